-- Idempotency keys of POSTs (hub_runtime.idempotency): claimed first, answered when done.
-- scope = whose key it is ('partner:<id>', 'staff:<subject>'): keys of two clients never meet.
CREATE TABLE IF NOT EXISTS hub_idempotency_keys (
    scope           text        NOT NULL,
    key             text        NOT NULL,
    request_hash    text        NOT NULL,
    response_status integer,
    response_body   jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
