-- The gateway's view of the partner directory (from PartnerRegistered) plus what only the
-- gateway knows: the webhook endpoint, its signing secrets and the circuit breaker state.
CREATE TABLE partners (
    partner_id            uuid PRIMARY KEY,
    partner_type          text        NOT NULL,
    purposes              text[]      NOT NULL,
    countries             text[]      NOT NULL DEFAULT '{}',
    active                boolean     NOT NULL,
    -- Null until an admin registers a webhook (refused for unknown partners).
    webhook_url           text,
    webhook_secret        text,       -- needed in clear to sign (Standard Webhooks is symmetric)
    previous_secret       text,       -- still signed with until previous_secret_until (rotation)
    previous_secret_until timestamptz,
    consecutive_failures  integer     NOT NULL DEFAULT 0,
    breaker_open_until    timestamptz,
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- The gateway's view of consents (from ConsentGranted / ConsentWithdrawn).
CREATE TABLE consents (
    consent_id      uuid PRIMARY KEY,
    case_id         uuid        NOT NULL,
    partner_id      uuid        NOT NULL,
    purposes        text[]      NOT NULL,
    data_categories text[]      NOT NULL,
    valid_from      date        NOT NULL,
    valid_until     date        NOT NULL,
    withdrawn_at    timestamptz
);
CREATE INDEX consents_by_case ON consents (case_id);

-- A withdrawal may arrive before the grant it withdraws (different services, retries):
-- remembered here and applied when the grant comes.
CREATE TABLE consent_withdrawals (
    consent_id   uuid PRIMARY KEY,
    withdrawn_at timestamptz NOT NULL
);

CREATE TABLE erased_cases (
    case_id   uuid PRIMARY KEY,
    erased_at timestamptz NOT NULL
);

-- Approved referrals (from ReferralApproved): what a partner may fetch, and nothing more.
CREATE TABLE referrals (
    referral_id     uuid PRIMARY KEY,
    case_id         uuid        NOT NULL,
    partner_id      uuid        NOT NULL,
    partner_type    text        NOT NULL,
    purpose         text        NOT NULL,
    data_categories text[]      NOT NULL,
    consent_id      uuid        NOT NULL,
    approved_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX referrals_by_case ON referrals (case_id);

-- Everything a partner should learn about, in order: the pull inbox reads it by seq (cursor).
CREATE TABLE notifications (
    seq             bigserial PRIMARY KEY,
    notification_id uuid        NOT NULL UNIQUE,
    partner_id      uuid        NOT NULL,
    case_id         uuid        NOT NULL,
    referral_id     uuid,
    notice_id       uuid,
    kind            text        NOT NULL,
    body            text        NOT NULL,  -- the exact signed text; ids only
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_by_partner ON notifications (partner_id, seq);

-- The delivery queue and log: one row per notification to a partner with a webhook.
-- Written in the same transaction as the fact that caused it (outbox-like); a worker sends the
-- oldest pending row of each partner, one at a time per partner (so in order).
CREATE TABLE deliveries (
    id              bigserial PRIMARY KEY,
    notification_id uuid        NOT NULL UNIQUE REFERENCES notifications (notification_id),
    partner_id      uuid        NOT NULL,
    state           text        NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'delivered', 'given_up')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    lease_until     timestamptz,
    last_error      text,
    last_status     integer,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
CREATE INDEX deliveries_pending ON deliveries (partner_id, id) WHERE state = 'pending';

-- The disclosure log: the FACT of each disclosure, never the data.
CREATE TABLE disclosures (
    disclosure_id   uuid PRIMARY KEY,
    partner_id      uuid        NOT NULL,
    referral_id     uuid        NOT NULL,
    case_id         uuid        NOT NULL,
    consent_id      uuid        NOT NULL,
    data_categories text[]      NOT NULL,
    legal_basis     text        NOT NULL,
    disclosed_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX disclosures_by_case ON disclosures (case_id);

-- Idempotency keys of partners' POSTs (claimed first, answered when done).
CREATE TABLE idempotency_keys (
    partner_id      uuid        NOT NULL,
    key             text        NOT NULL,
    request_hash    text        NOT NULL,
    response_status integer,
    response_body   jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (partner_id, key)
);

-- Partner API clients: secrets stored as scrypt hashes; rotation keeps the old one for a while.
CREATE TABLE partner_clients (
    client_id  text PRIMARY KEY,
    partner_id uuid        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
CREATE TABLE client_secrets (
    secret_id   uuid PRIMARY KEY,
    client_id   text        NOT NULL REFERENCES partner_clients (client_id),
    salt        bytea       NOT NULL,
    hash        bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    valid_until timestamptz  -- null = current; set on rotation (overlap) or revocation
);
CREATE INDEX client_secrets_by_client ON client_secrets (client_id);

-- Withdrawal and erasure notices to partners that received data, and their acknowledgement.
CREATE TABLE notices (
    notice_id       uuid PRIMARY KEY,
    case_id         uuid        NOT NULL,
    partner_id      uuid        NOT NULL,
    kind            text        NOT NULL CHECK (kind IN ('withdrawal', 'erasure')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    due_at          timestamptz NOT NULL,
    sent_at         timestamptz,
    acknowledged_at timestamptz
);
