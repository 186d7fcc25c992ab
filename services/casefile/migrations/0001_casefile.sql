-- Casefile: coarse case facts in the clear, personal fields only as AES-GCM ciphertext under a
-- per-person key that is itself stored only wrapped by the master key (crypto-shredding).

CREATE TABLE cases (
    case_id            uuid PRIMARY KEY,
    country_of_origin  text        NOT NULL,
    region             text        NOT NULL,
    location_type      text        NOT NULL,
    stage              text        NOT NULL,
    vulnerabilities    text[]      NOT NULL DEFAULT '{}',
    household_size     integer     NOT NULL CHECK (household_size >= 1),
    has_minors         boolean     NOT NULL,
    opened_on          date        NOT NULL,
    opened_at          timestamptz NOT NULL DEFAULT now(),
    opened_by          text        NOT NULL,
    closed_on          date,
    erased_at          timestamptz
);
CREATE INDEX cases_closed ON cases (closed_on) WHERE closed_on IS NOT NULL AND erased_at IS NULL;

-- The wrapped per-person key. Erasure deletes the row: without it no ciphertext decrypts.
CREATE TABLE person_keys (
    case_id      uuid PRIMARY KEY REFERENCES cases (case_id),
    kek_version  integer     NOT NULL,
    nonce        bytea       NOT NULL,
    wrapped_key  bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- One ciphertext per data category (identity, contact, household, ...), so that a disclosure
-- decrypts only the categories the consent covers.
CREATE TABLE person_fields (
    case_id     uuid  NOT NULL REFERENCES cases (case_id),
    category    text  NOT NULL,
    nonce       bytea NOT NULL,
    ciphertext  bytea NOT NULL,
    PRIMARY KEY (case_id, category)
);

-- The auditable trace of an erasure: when, by whom (staff login or 'retention'), why.
CREATE TABLE erasure_tombstones (
    case_id     uuid PRIMARY KEY REFERENCES cases (case_id),
    erased_at   timestamptz NOT NULL,
    erased_by   text        NOT NULL,
    reason      text        NOT NULL,
    kek_version integer     NOT NULL
);

-- Every read of personal data, allowed or refused: who, what, when, why.
CREATE TABLE access_log (
    id           bigserial PRIMARY KEY,
    case_id      uuid        NOT NULL,
    accessor     text        NOT NULL,
    role         text        NOT NULL,
    categories   text[]      NOT NULL,
    why          text        NOT NULL,
    referral_id  uuid,
    outcome      text        NOT NULL,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX access_log_case ON access_log (case_id, at);

-- Every change on the case and every event about it, in order. Codes and ids only.
CREATE TABLE timeline (
    id           bigserial PRIMARY KEY,
    case_id      uuid        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    kind         text        NOT NULL,
    source       text        NOT NULL,
    event_id     uuid UNIQUE,
    details      jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX timeline_case ON timeline (case_id, occurred_at, id);

-- Append-only: a changed mind is a new row.
CREATE TABLE decisions (
    id           bigserial PRIMARY KEY,
    case_id      uuid        NOT NULL REFERENCES cases (case_id),
    decision     text        NOT NULL,
    decided_on   date        NOT NULL,
    recorded_by  text        NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE stage_changes (
    id           bigserial PRIMARY KEY,
    case_id      uuid        NOT NULL REFERENCES cases (case_id),
    from_stage   text        NOT NULL,
    to_stage     text        NOT NULL,
    decided_on   date        NOT NULL,
    recorded_by  text        NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bottlenecks (
    bottleneck_id  uuid PRIMARY KEY,
    case_id        uuid        NOT NULL REFERENCES cases (case_id),
    category       text        NOT NULL,
    stage          text        NOT NULL,
    region         text        NOT NULL,
    location_type  text        NOT NULL,
    observed_on    date        NOT NULL,
    recorded_by    text        NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE options_discussed (
    id                bigserial PRIMARY KEY,
    case_id           uuid        NOT NULL REFERENCES cases (case_id),
    options           text[]      NOT NULL,
    language          text        NOT NULL,
    interpreter_used  boolean     NOT NULL,
    materials         text[]      NOT NULL DEFAULT '{}',
    discussed_on      date        NOT NULL,
    recorded_by       text        NOT NULL,
    recorded_at       timestamptz NOT NULL DEFAULT now()
);

-- Buitenschuld dossier: the person's own efforts. The free-text note is personal: encrypted.
CREATE TABLE efforts (
    effort_id      uuid PRIMARY KEY,
    case_id        uuid        NOT NULL REFERENCES cases (case_id),
    kind           text        NOT NULL,
    occurred_on    date        NOT NULL,
    authority      text        NOT NULL,
    outcome        text        NOT NULL,
    evidence_refs  text[]      NOT NULL DEFAULT '{}',
    note_nonce     bytea,
    note_cipher    bytea,
    recorded_by    text        NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now()
);

-- casefile's own view of consents and partners (from referral.events).
CREATE TABLE consents (
    consent_id   uuid PRIMARY KEY,
    case_id      uuid        NOT NULL,
    partner_id   uuid        NOT NULL,
    purposes     text[]      NOT NULL,
    categories   text[]      NOT NULL,
    valid_from   date        NOT NULL,
    valid_until  date        NOT NULL,
    withdrawn_at timestamptz
);

CREATE TABLE partners (
    partner_id    uuid PRIMARY KEY,
    partner_type  text    NOT NULL,
    active        boolean NOT NULL
);

-- Deadlines and the notices sent about them. The notice row is written in the same
-- transaction as the outbox row of its event: a notice is published exactly once.
CREATE TABLE deadlines (
    deadline_id  uuid PRIMARY KEY,
    case_id      uuid        NOT NULL REFERENCES cases (case_id),
    kind         text        NOT NULL,
    due_date     date        NOT NULL,
    due_at       timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    cancelled_at timestamptz
);
CREATE INDEX deadlines_open ON deadlines (due_date) WHERE cancelled_at IS NULL;

CREATE TABLE deadline_notices (
    deadline_id  uuid        NOT NULL REFERENCES deadlines (deadline_id),
    notice       text        NOT NULL,
    event_id     uuid        NOT NULL,
    sent_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (deadline_id, notice)
);
