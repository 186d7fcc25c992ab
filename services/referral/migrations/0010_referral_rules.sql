-- Rules re-evaluated when their inputs change (issue 12) and one open referral per case,
-- partner and purpose (issue 13 item 3).

-- The day the case file closed the case: a closed case takes no new consent or referral, and
-- its open referrals are withdrawn.
ALTER TABLE case_view ADD COLUMN closed_on date;

-- A suspended referral (protection first) remembers the status it had, to return to it when
-- the stage allows it again; resumed_at restarts the partner's answer time at the return.
ALTER TABLE referrals ADD COLUMN suspended_from text;
ALTER TABLE referrals ADD COLUMN resumed_at timestamptz;
ALTER TABLE referrals ADD CONSTRAINT referrals_suspended_from_kept
    CHECK ((status = 'suspended') = (suspended_from IS NOT NULL));

-- Referrals that were already open side by side before the rule existed keep their history:
-- every one after the first (by request time) is marked as a duplicate of the first, and the
-- unique index below leaves them out. The service still refuses a new request while any of
-- them is open.
ALTER TABLE referrals ADD COLUMN duplicate_of uuid REFERENCES referrals (referral_id);
WITH open_referrals AS (
    SELECT referral_id,
           first_value(referral_id) OVER (
               PARTITION BY case_id, partner_id, purpose ORDER BY requested_at, referral_id
           ) AS first_id
    FROM referrals
    WHERE status IN ('requested', 'awaiting_review', 'approved', 'delivered', 'accepted',
                     'in_progress', 'suspended')
)
UPDATE referrals r SET duplicate_of = o.first_id
FROM open_referrals o
WHERE r.referral_id = o.referral_id AND o.first_id <> o.referral_id;

-- One open referral per case, partner and purpose: the database's own guard, so two requests
-- that race past the service's check cannot both be recorded. "Open" is lifecycle.OPEN (a test
-- compares the two lists).
CREATE UNIQUE INDEX referrals_one_open
    ON referrals (case_id, partner_id, purpose)
    WHERE status IN ('requested', 'awaiting_review', 'approved', 'delivered', 'accepted',
                     'in_progress', 'suspended')
      AND duplicate_of IS NULL;

-- The consent-expiry pass looks for open referrals under consents whose last day has passed.
CREATE INDEX consents_valid_until ON consents (valid_until) WHERE withdrawn_at IS NULL;
