-- Namesakes (issue 19): two different persons may share a normalised name and a birth date
-- (birth dates registered as 1 January are common among people without documents). A
-- counsellor who has checked the open case a 409 person_already_known named can open the case
-- anyway by naming it in `not_the_person_of`; so a digest may now belong to several open cases.
-- Claims of one digest are serialised by a transaction-scoped advisory lock on the digest
-- (casefile.repository.persons.claim_index) instead of the UNIQUE index.
ALTER TABLE person_index DROP CONSTRAINT person_index_digest_key;
CREATE INDEX person_index_by_digest ON person_index (digest);
