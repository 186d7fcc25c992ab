-- Who asked for each command applied from the Kafka command topic (issue 17, identity): the
-- staff member the tool asserts in the command, the tool that sent it and the Kafka principal
-- that may write the topic. Kafka carries no bearer token, so this is the command's audit.
-- No personal data of the counselled person: the case id is pseudonymous, the texts are closed
-- codes or staff logins (docs/privacy-inventory.md). Written in the transaction that applies
-- the command, so a refused command (dead-lettered) leaves no receipt.
CREATE TABLE command_receipts (
    command_id      uuid PRIMARY KEY,      -- the command's envelope id (causationid of its events)
    command_type    text        NOT NULL,  -- a registered command type, e.g. council.referral.GrantConsentCommand.v1
    case_id         uuid        NOT NULL,
    staff_login     text        NOT NULL,  -- the command's requested_by (StaffLogin pattern)
    staff_role      text        NOT NULL,  -- StaffRole value
    tool            text        NOT NULL,  -- <name> of the envelope source urn:council-hub:tool:<name>
    kafka_principal text        NOT NULL,  -- e.g. User:tools (hub_runtime.kafka_acls)
    applied_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX command_receipts_by_case ON command_receipts (case_id, applied_at);
