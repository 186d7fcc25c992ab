-- Issue 13: every text is NFC (hub_contracts.text). Text sealed before that may be NFD, and it
-- is encrypted under the person's key, which the database never sees: SQL cannot normalise it.
-- The `nfc_normaliser` worker does at start-up (casefile.nfc_texts): it decrypts each person's
-- categories, effort notes and evidence references, re-seals under the same key only what NFC
-- changes, and sets `texts_nfc`. Keys stored before this migration start unchecked; keys
-- stored after it hold text that passed the text type, so the default becomes true.
ALTER TABLE person_keys ADD COLUMN texts_nfc boolean NOT NULL DEFAULT false;
ALTER TABLE person_keys ALTER COLUMN texts_nfc SET DEFAULT true;
-- Once every person is checked the worker's query finds nothing in an empty index.
CREATE INDEX person_keys_texts_not_nfc ON person_keys (case_id) WHERE NOT texts_nfc;
