-- Issue 18 (continued): a partner's lead manages the partner's own staff; an optional second
-- factor (TOTP, RFC 6238); one-time password-reset links; an audit of who did what to whom.

-- 'lead': may invite, revoke and reset the accounts of the same partner (never another's).
ALTER TABLE portal_staff
    ADD COLUMN role text NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'lead')),
    -- TOTP secret sealed (AES-GCM under a key derived from PARTNER_GATEWAY_MASTER_KEY of
    -- totp_key_version, bound to the staff id); totp_pending: shown, not yet confirmed.
    ADD COLUMN totp_sealed      bytea,
    ADD COLUMN totp_pending     bytea,
    ADD COLUMN totp_key_version integer,
    ADD COLUMN totp_last_step   bigint,   -- the last accepted time step: a code is used once
    -- A password-reset link: its code's SHA-256, valid until reset_expires_at, used once.
    ADD COLUMN reset_hash       bytea UNIQUE,
    ADD COLUMN reset_expires_at timestamptz;

-- A browser between the password and the code: not a session yet (touch_session refuses it).
ALTER TABLE portal_sessions ADD COLUMN second_factor_due boolean NOT NULL DEFAULT false;

-- Who invited, revoked or reset whom: closed codes and ids only (no free text). actor_staff_id
-- is the lead's account; NULL when the council's admin acted (actor_kind 'admin').
CREATE TABLE portal_staff_audit (
    audit_id       bigserial PRIMARY KEY,
    at             timestamptz NOT NULL,
    action         text NOT NULL CHECK (action IN (
                       'invited', 'revoked', 'password_reset_issued', 'password_reset_used',
                       'factor_enrolled', 'factor_reset')),
    actor_kind     text NOT NULL CHECK (actor_kind IN ('admin', 'lead', 'self')),
    actor_staff_id uuid REFERENCES portal_staff (staff_id),
    staff_id       uuid NOT NULL REFERENCES portal_staff (staff_id),
    partner_id     uuid NOT NULL REFERENCES partners (partner_id)
);
CREATE INDEX portal_staff_audit_by_partner ON portal_staff_audit (partner_id, at);
