-- Local accounts of the advocacy team for the dashboard, until the council's OpenID Connect
-- provider lands (issue 18). Personal data: see docs/privacy-inventory.md ("signals: staff").

-- An account: created by an admin; the password only as an Argon2id hash (argon2-cffi).
CREATE TABLE staff_accounts (
    account_id    uuid        PRIMARY KEY,
    username      text        NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9._-]{3,64}$'),
    password_hash text        NOT NULL,
    role          text        NOT NULL CHECK (role IN ('advocacy', 'admin')),
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- A signed-in session: only the SHA-256 of its cookie value is stored, so a copy of this table
-- cannot be replayed as a cookie. last_seen_at drives the idle timeout.
CREATE TABLE staff_sessions (
    token_hash   text        PRIMARY KEY,
    account_id   uuid        NOT NULL REFERENCES staff_accounts ON DELETE CASCADE,
    csrf_token   text        NOT NULL,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL
);
CREATE INDEX staff_sessions_by_account ON staff_sessions (account_id);

-- Failed sign-ins, for the rate limit (keyed by an HMAC of the username typed under the service's
-- key, never the text: a password typed into the username field must not be stored).
CREATE TABLE sign_in_failures (
    username_hash text        NOT NULL,
    failed_at     timestamptz NOT NULL
);
CREATE INDEX sign_in_failures_by_name ON sign_in_failures (username_hash, failed_at);
