-- Partners' idempotency keys move to the runtime's shared table (hub_runtime/0003, applied
-- before this file), scoped by partner; the gateway's own table goes. The runtime's migrations
-- (0004 included) run first, so a key moved here is stored as its digest, as 0004 stores them.
INSERT INTO hub_idempotency_keys (scope, key, request_hash, response_status, response_body, created_at)
SELECT 'partner:' || partner_id, encode(sha256(convert_to(key, 'UTF8')), 'hex'), request_hash,
       response_status, response_body, created_at
FROM idempotency_keys
ON CONFLICT DO NOTHING;
DROP TABLE idempotency_keys;
