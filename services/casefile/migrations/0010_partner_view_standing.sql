-- Casefile's partner view holds everything the privacy policy (hub_contracts.privacy) judges a
-- partner by, from PartnerRegistered: the purposes and the data-sharing agreement, and
-- `ever_origin_authority`, set when the id is ever seen as an origin-country authority and never
-- unset (the classification is permanent: a later PartnerRegistered with type `ngo` cannot
-- lift it).
ALTER TABLE partners ADD COLUMN ever_origin_authority boolean NOT NULL DEFAULT false;
ALTER TABLE partners ADD COLUMN purposes text[];
ALTER TABLE partners ADD COLUMN agreement_valid_until date;
-- Rows from before this migration were stored without purposes or agreement: for them the
-- purpose and agreement checks are left to referral and the gateway (which know them), until
-- the next PartnerRegistered of the partner fills them in.
ALTER TABLE partners ADD COLUMN directory_known boolean NOT NULL DEFAULT false;
UPDATE partners SET ever_origin_authority = true WHERE partner_type = 'authority_origin';
