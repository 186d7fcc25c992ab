-- Idempotency keys are stored as the SHA-256 hex digest of the key a client sent
-- (hub_runtime.idempotency.stored_key), never as the key: a client may type anything into it,
-- a name too, and the key is only ever compared for equality. Keys stored before are hashed.
UPDATE hub_idempotency_keys SET key = encode(sha256(convert_to(key, 'UTF8')), 'hex');
