-- Issue 17: the gateway's rate limits hold across its instances (repository/rate_limits.py).
-- One row per limiter scope and key: GCRA's theoretical arrival time. The key is stored only
-- as an HMAC-SHA-256 under a key derived from HUB_JWT_SECRET (it is a partner or client id, a
-- client address or a hashed e-mail address).
-- UNLOGGED: cheaper writes on every limited request; after a server crash the table starts
-- empty, which only lets each key through one burst early.
CREATE UNLOGGED TABLE rate_limits (
    scope    text NOT NULL,
    key_hash bytea NOT NULL,
    tat      timestamptz NOT NULL,
    allowed  boolean NOT NULL,  -- the last request's outcome (read back by RETURNING)
    PRIMARY KEY (scope, key_hash)
);
CREATE INDEX rate_limits_tat ON rate_limits (tat);
