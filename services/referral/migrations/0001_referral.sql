-- The referral service's own tables. Nothing here is a counselled person's personal data:
-- cases are pseudonymous ids with coarse facts, consents hold who/what/when of the consent.

CREATE TABLE partners (
    partner_id            uuid PRIMARY KEY,
    name                  text NOT NULL,
    partner_type          text NOT NULL,
    countries             text[] NOT NULL,
    services              text[] NOT NULL,
    purposes              text[] NOT NULL,
    agreement_reference   text,
    agreement_valid_from  date,
    agreement_valid_until date,
    active                boolean NOT NULL DEFAULT true,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- Referral's view of casefile's cases, kept from casefile.events.
CREATE TABLE case_view (
    case_id         uuid PRIMARY KEY,
    stage           text NOT NULL,
    has_minors      boolean NOT NULL,
    vulnerabilities text[] NOT NULL,
    decision        text,
    erased_at       timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE consents (
    consent_id                  uuid PRIMARY KEY,
    case_id                     uuid NOT NULL,
    partner_id                  uuid NOT NULL REFERENCES partners (partner_id),
    purposes                    text[] NOT NULL,
    data_categories             text[] NOT NULL,
    valid_from                  date NOT NULL,
    valid_until                 date NOT NULL CHECK (valid_until >= valid_from),
    form_reference              text NOT NULL,
    language                    text NOT NULL,
    interpreter_used            boolean NOT NULL,
    interpreter_reference       text,
    taken_by                    text NOT NULL,
    taken_at                    timestamptz NOT NULL,
    informed_transfer_outside_eu boolean NOT NULL,
    withdrawn_at                timestamptz,
    withdrawn_by                text,
    created_at                  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consents_case ON consents (case_id);

CREATE TABLE referrals (
    referral_id       uuid PRIMARY KEY,
    case_id           uuid NOT NULL,
    partner_id        uuid NOT NULL REFERENCES partners (partner_id),
    purpose           text NOT NULL,
    data_categories   text[] NOT NULL,
    consent_id        uuid REFERENCES consents (consent_id),
    status            text NOT NULL,
    -- Every failing rule of the last evaluation (refusal reasons, or the open points of a review).
    reasons           text[] NOT NULL DEFAULT '{}',
    status_reason     text,
    requested_by      text NOT NULL,
    requested_at      timestamptz NOT NULL,
    approved_at       timestamptz,
    status_changed_at timestamptz NOT NULL
);
CREATE INDEX referrals_case ON referrals (case_id);
CREATE INDEX referrals_consent ON referrals (consent_id);
CREATE INDEX referrals_waiting ON referrals (approved_at) WHERE status IN ('approved', 'delivered');

-- Every status change, in order: the referral's own audit trail.
CREATE TABLE referral_history (
    id          bigserial PRIMARY KEY,
    referral_id uuid NOT NULL REFERENCES referrals (referral_id),
    from_status text,
    to_status   text NOT NULL,
    reason_code text,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX referral_history_referral ON referral_history (referral_id);

-- A coordinator's review: who, when, what, why (the written reason stays here, never on Kafka).
CREATE TABLE referral_reviews (
    referral_id      uuid PRIMARY KEY REFERENCES referrals (referral_id),
    decision         text NOT NULL,
    overridden_codes text[] NOT NULL,
    reason           text NOT NULL,
    reviewed_by      text NOT NULL,
    reviewed_at      timestamptz NOT NULL
);

-- Disclosures reported by the gateway (DisclosureMade): the person's right to know recipients.
CREATE TABLE disclosures (
    event_id        uuid PRIMARY KEY,
    case_id         uuid NOT NULL,
    referral_id     uuid NOT NULL,
    partner_id      uuid NOT NULL,
    consent_id      uuid NOT NULL,
    data_categories text[] NOT NULL,
    legal_basis     text NOT NULL,
    disclosed_at    timestamptz NOT NULL
);
CREATE INDEX disclosures_case ON disclosures (case_id);
