-- Every event looks contributions up by person (the per-person cap, erasure); only publishing a
-- period reads them by table, once a month. One index in the order of the frequent lookup
-- instead of two indexes to maintain on every insert.
ALTER TABLE contributions DROP CONSTRAINT contributions_pkey;
ALTER TABLE contributions ADD PRIMARY KEY (period, person_token, table_name, cell_key);
DROP INDEX contributions_by_person;
