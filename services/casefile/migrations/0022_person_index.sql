-- The blind index of persons with an open case (issue 19): a keyed HMAC-SHA256 of the
-- normalised name and birth date (casefile.domain.person_index), so that opening a case for a
-- person who already has one is refused (409 person_already_known). Pseudonymous data (GDPR
-- art. 4(5)): the row is deleted when the case closes or the person is erased. One row per
-- case; a digest belongs to one open case at most (the UNIQUE index is what refuses a second
-- one, also between two requests at the same moment). Rows of cases opened before this
-- migration are written by the start-up worker `person_indexer` (SQL cannot decrypt names).
CREATE TABLE person_index (
    case_id  uuid  PRIMARY KEY REFERENCES cases (case_id),
    digest   bytea NOT NULL UNIQUE CHECK (octet_length(digest) = 32)
);
