-- No free text outside the vault (issue 12, item 4): the coordinator's review reason and the
-- consent's evidence references (form and interpreter references: a V-number naturally goes
-- there) are sealed under a per-case key of referral's own, destroyed on PersonErased.

-- One data key per case, stored only wrapped by the referral master key (REFERRAL_MASTER_KEY).
-- Erasure sets wrapped_key to NULL and keeps the row as a tombstone, so no key can ever be
-- made again for the case: nothing new can be sealed for an erased person.
CREATE TABLE case_keys (
    case_id     uuid PRIMARY KEY,
    kek_version integer,
    wrapped_key bytea,
    created_at  timestamptz NOT NULL DEFAULT now(),
    shredded_at timestamptz,
    CHECK ((wrapped_key IS NULL) = (shredded_at IS NOT NULL))
);

-- Sealed values are one bytea each: the 12-byte nonce, then the AES-GCM ciphertext.
ALTER TABLE referral_reviews ADD COLUMN reason_sealed bytea;
ALTER TABLE consents ADD COLUMN evidence_sealed bytea;

-- Rows written before this migration held the text in plaintext. SQL cannot encrypt them
-- (the master key is not in the database), and the hub has no production data yet: the
-- plaintext is dropped, and the API answers such a field as null with the marker
-- `cleared_by_migration` (README of the referral service). Dropped columns stay in old heap
-- pages until the table is rewritten: run `VACUUM FULL consents, referral_reviews` on a
-- database that held plaintext.
ALTER TABLE referral_reviews DROP COLUMN reason;
ALTER TABLE consents DROP COLUMN form_reference, DROP COLUMN interpreter_reference;
