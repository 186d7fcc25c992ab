-- The referral's status as the gateway knows it: approved (ReferralApproved), then the partner's
-- own accepted reports, withdrawn or expired from the council's events. A partner's report is
-- checked against it (hub_contracts.referral_lifecycle) before it is accepted. NULL for the
-- referrals approved before this migration: their status was never kept, so their reports still
-- pass unchecked and referral decides, as before.
ALTER TABLE referrals ADD COLUMN status text;

-- 'dropped': a webhook that must never be sent any more (a referral.ready for a referral that
-- was withdrawn meanwhile); last_error says why.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_state_check,
    ADD CONSTRAINT deliveries_state_check
    CHECK (state IN ('pending', 'delivered', 'given_up', 'dropped'));
