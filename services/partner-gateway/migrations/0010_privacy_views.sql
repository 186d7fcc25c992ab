-- Issue 12: the gateway's views carry what hub_contracts.privacy needs at every gate.

-- The directory's agreement end (null: no agreement, so nothing may go to the partner) and the
-- permanent origin-authority classification: set the first time PartnerRegistered lists the id
-- as authority_origin, never unset (a later type 'ngo' does not lift it). Partners stored
-- before this migration have no agreement on record until the directory announces them again:
-- the strict reading (nothing goes out) is the safe one.
ALTER TABLE partners
    ADD COLUMN agreement_valid_until date,
    ADD COLUMN ever_origin_authority boolean NOT NULL DEFAULT false;
UPDATE partners SET ever_origin_authority = true WHERE partner_type = 'authority_origin';

-- The status a suspended referral had, to report where it came from (referral decides where
-- it returns to; ReferralStatusChanged.v2 says so).
ALTER TABLE referrals ADD COLUMN suspended_from text;

-- The gateway's own view of each case's stage and closure (casefile.events), so protection
-- first and closure are judged on the gateway's facts too, not only on referral's word.
CREATE TABLE cases (
    case_id    uuid PRIMARY KEY,
    stage      text,
    closed_on  date,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Notices name their referral and come in four kinds; a withdrawal or erasure notice goes to a
-- partner at most once per referral (a replayed event, or a consent withdrawal followed by
-- referral's own ReferralStatusChanged to withdrawn, sends no second one). Suspension and
-- resumption may repeat: they follow actual changes of the referral's status.
ALTER TABLE notices ADD COLUMN referral_id uuid;
ALTER TABLE notices DROP CONSTRAINT notices_kind_check,
    ADD CONSTRAINT notices_kind_check
    CHECK (kind IN ('withdrawal', 'erasure', 'suspension', 'resumption'));
CREATE UNIQUE INDEX notices_once_per_referral ON notices (partner_id, referral_id, kind)
    WHERE kind IN ('withdrawal', 'erasure');
CREATE INDEX notifications_by_referral ON notifications (referral_id) WHERE referral_id IS NOT NULL;
