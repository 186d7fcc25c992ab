-- An effort's evidence references (a V-number, a letter's reference) are personal: from now on
-- sealed under the person's key (crypto-shredded by erasure) like the effort's note.
-- SQL cannot encrypt under the per-person keys (they are wrapped by a key derived from
-- CASEFILE_MASTER_KEY, which the database never sees), so existing plaintext rows are sealed by
-- the `evidence_sealer` worker at start-up (casefile.workers.seal_legacy_evidence), which then
-- clears the plaintext column. What needs no key is done here:
ALTER TABLE efforts ADD COLUMN evidence_nonce bytea;
ALTER TABLE efforts ADD COLUMN evidence_cipher bytea;
ALTER TABLE efforts ALTER COLUMN evidence_refs DROP NOT NULL;
ALTER TABLE efforts ALTER COLUMN evidence_refs DROP DEFAULT;
-- Nothing to seal.
UPDATE efforts SET evidence_refs = NULL WHERE evidence_refs = '{}';
-- An erased person's references must not outlive the key that shredded the rest.
UPDATE efforts e SET evidence_refs = NULL
FROM cases c WHERE c.case_id = e.case_id AND c.erased_at IS NOT NULL;
CREATE INDEX efforts_plaintext_evidence ON efforts (case_id) WHERE evidence_refs IS NOT NULL;
