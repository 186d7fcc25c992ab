-- Issue 18: personal accounts for partners' staff in the portal (never the machine clients).
-- Kept minimal (GDPR art. 5(1)(c)): an e-mail address to sign in with, nothing else about the
-- person; see docs/privacy-inventory.md. Secrets are stored only as hashes: the invitation
-- code (random, 192 bits) as SHA-256, the password as scrypt under its own salt.
CREATE TABLE portal_staff (
    staff_id          uuid PRIMARY KEY,
    partner_id        uuid NOT NULL REFERENCES partners (partner_id),
    email             text NOT NULL UNIQUE,  -- lower-cased by the handler
    invite_hash       bytea UNIQUE,          -- null once used
    invite_expires_at timestamptz,
    password_salt     bytea,
    password_hash     bytea,                 -- null until the invitation is used
    created_at        timestamptz NOT NULL DEFAULT now(),
    activated_at      timestamptz,
    revoked_at        timestamptz
);

-- One row per signed-in browser: the cookie's SHA-256 (the cookie itself is never stored),
-- the last request (idle timeout), the start (absolute timeout).
CREATE TABLE portal_sessions (
    session_hash bytea PRIMARY KEY,
    staff_id     uuid NOT NULL REFERENCES portal_staff (staff_id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX portal_sessions_staff ON portal_sessions (staff_id);

-- Who opened the disclosure in the portal (null: through the API, by the partner's client).
ALTER TABLE disclosures ADD COLUMN staff_id uuid REFERENCES portal_staff (staff_id);
