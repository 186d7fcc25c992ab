-- Corrections of a mistyped date of a recorded decision or stage change (issue 15): a new
-- record beside the original, never an overwrite. Every timeline entry gets a public id
-- (entry_id) that a correction names; a decision or stage change shares the id of its entry.
ALTER TABLE timeline ADD COLUMN entry_id uuid NOT NULL DEFAULT gen_random_uuid();
CREATE UNIQUE INDEX timeline_entry_id ON timeline (entry_id);

ALTER TABLE decisions ADD COLUMN entry_id uuid;
ALTER TABLE stage_changes ADD COLUMN entry_id uuid;

-- Rows written before: a decision and its timeline entry were inserted in one transaction, in
-- the same order, and neither table is ever edited, so the n-th decision of a case is its n-th
-- 'decision_recorded' entry (the same for stage changes and 'stage_changed').
UPDATE decisions d SET entry_id = t.entry_id
FROM (SELECT id, case_id, row_number() OVER (PARTITION BY case_id ORDER BY id) AS n
      FROM decisions) r
JOIN (SELECT entry_id, case_id, row_number() OVER (PARTITION BY case_id ORDER BY id) AS n
      FROM timeline WHERE kind = 'decision_recorded') t ON t.case_id = r.case_id AND t.n = r.n
WHERE d.id = r.id;

UPDATE stage_changes s SET entry_id = t.entry_id
FROM (SELECT id, case_id, row_number() OVER (PARTITION BY case_id ORDER BY id) AS n
      FROM stage_changes) r
JOIN (SELECT entry_id, case_id, row_number() OVER (PARTITION BY case_id ORDER BY id) AS n
      FROM timeline WHERE kind = 'stage_changed') t ON t.case_id = r.case_id AND t.n = r.n
WHERE s.id = r.id;

-- A row without its entry (none is known to exist) still gets an id of its own.
UPDATE decisions SET entry_id = gen_random_uuid() WHERE entry_id IS NULL;
UPDATE stage_changes SET entry_id = gen_random_uuid() WHERE entry_id IS NULL;
ALTER TABLE decisions ALTER COLUMN entry_id SET NOT NULL;
ALTER TABLE stage_changes ALTER COLUMN entry_id SET NOT NULL;
CREATE UNIQUE INDEX decisions_entry_id ON decisions (entry_id);
CREATE UNIQUE INDEX stage_changes_entry_id ON stage_changes (entry_id);

CREATE TABLE date_corrections (
    id            bigserial PRIMARY KEY,
    correction_id uuid        NOT NULL UNIQUE,
    case_id       uuid        NOT NULL REFERENCES cases (case_id),
    entry_id      uuid        NOT NULL,
    entry_kind    text        NOT NULL CHECK (entry_kind IN ('decision', 'stage_change')),
    previous_on   date        NOT NULL,
    corrected_on  date        NOT NULL,
    reason        text        NOT NULL,
    corrected_by  text        NOT NULL,
    corrected_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX date_corrections_by_entry ON date_corrections (entry_id, id);
