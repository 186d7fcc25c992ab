-- Signals stores no case id: person_token is an HMAC of the case id under a per-period key.

-- One row per (person, cell) and period: a person counts at most once per cell.
CREATE TABLE contributions (
    period        text        NOT NULL CHECK (period ~ '^\d{4}-(0[1-9]|1[0-2])$'),
    table_name    text        NOT NULL,
    cell_key      text        NOT NULL,
    coordinates   jsonb       NOT NULL,
    person_token  text        NOT NULL,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (period, table_name, cell_key, person_token)
);
CREATE INDEX contributions_by_person ON contributions (period, person_token);

-- Months in which a person's consent covers anonymous reporting (tokens of that month);
-- consent_token (a keyed hash of the consent id) lets a withdrawal remove exactly its months.
CREATE TABLE reporting_consents (
    period        text NOT NULL,
    person_token  text NOT NULL,
    consent_token text NOT NULL,
    PRIMARY KEY (period, person_token, consent_token)
);
CREATE INDEX reporting_consents_by_consent ON reporting_consents (consent_token);

-- Approval time and partner type of a referral, to bucket partner response times.
CREATE TABLE referral_facts (
    referral_token text        PRIMARY KEY,
    approved_at    timestamptz NOT NULL,
    partner_type   text        NOT NULL
);

-- Published releases: written once per (period, table), never updated.
CREATE TABLE releases (
    period       text        NOT NULL,
    table_name   text        NOT NULL,
    payload      jsonb       NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (period, table_name)
);
CREATE TABLE published_periods (
    period       text        PRIMARY KEY,
    published_at timestamptz NOT NULL DEFAULT now()
);

-- Privacy budget spent per period and table (only when the DP layer is on).
CREATE TABLE privacy_ledger (
    period     text             NOT NULL,
    table_name text             NOT NULL,
    epsilon    double precision NOT NULL CHECK (epsilon > 0),
    spent_at   timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (period, table_name)
);

CREATE RULE releases_never_updated AS ON UPDATE TO releases DO INSTEAD NOTHING;
CREATE RULE releases_never_deleted AS ON DELETE TO releases DO INSTEAD NOTHING;
