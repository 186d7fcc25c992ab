-- Partners' idempotency keys move to the runtime's shared table (hub_runtime/0003, applied
-- before this file), scoped by partner; the gateway's own table goes.
INSERT INTO hub_idempotency_keys (scope, key, request_hash, response_status, response_body, created_at)
SELECT 'partner:' || partner_id, key, request_hash, response_status, response_body, created_at
FROM idempotency_keys
ON CONFLICT DO NOTHING;
DROP TABLE idempotency_keys;
