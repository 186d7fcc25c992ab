-- Sign-in through the council's OpenID Connect provider (issue 18). Personal data: see
-- docs/privacy-inventory.md ("signals: staff").

-- A session belongs to a local account, or to a provider account: then it keeps the name the
-- provider gave (preferred_username, else the subject) and the dashboard role mapped from the
-- provider's roles at sign-in. No provider token is stored.
ALTER TABLE staff_sessions
    ALTER COLUMN account_id DROP NOT NULL,
    ADD COLUMN provider_name text,
    ADD COLUMN provider_role text CHECK (provider_role IN ('advocacy', 'admin')),
    ADD CONSTRAINT staff_sessions_one_owner CHECK (
        (account_id IS NOT NULL AND provider_name IS NULL AND provider_role IS NULL)
        OR (account_id IS NULL AND provider_name IS NOT NULL AND provider_role IS NOT NULL)
    );

-- A sign-in under way at the provider: keyed by the SHA-256 of the browser's flow cookie,
-- taken (deleted) when the browser comes back, so a state is used at most once.
CREATE TABLE provider_sign_ins (
    flow_hash     text        PRIMARY KEY,
    state         text        NOT NULL,
    nonce         text        NOT NULL,
    code_verifier text        NOT NULL,
    created_at    timestamptz NOT NULL
);
