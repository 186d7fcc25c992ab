-- Text typed before the one text type (hub_contracts.text) normalised to NFC, so that the NFC
-- and NFD spellings of one partner name are one value. Plain text here (organisations:
-- names, services and agreement references; no person's data; review reasons are sealed since
-- 0021 and typed through the text type, which stores NFC), so SQL can do it: normalize() needs
-- PostgreSQL 13+ and a UTF8 database (the hub's). Rows already NFC are not touched.
UPDATE partners
SET name = normalize(name, NFC),
    services = ARRAY(
        SELECT normalize(s, NFC) FROM unnest(services) WITH ORDINALITY AS t(s, i) ORDER BY i
    ),
    agreement_reference = normalize(agreement_reference, NFC)
WHERE name IS NOT NFC NORMALIZED
   OR agreement_reference IS NOT NFC NORMALIZED
   OR EXISTS (SELECT 1 FROM unnest(services) AS s WHERE s IS NOT NFC NORMALIZED);

