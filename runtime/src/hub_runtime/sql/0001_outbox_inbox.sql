-- Outbox: events written in the same transaction as the state change they describe.
-- A relay publishes unpublished rows in id order (which keeps each case's order) and marks them.
CREATE TABLE IF NOT EXISTS hub_outbox (
    id            bigserial PRIMARY KEY,
    event_id      uuid        NOT NULL UNIQUE,
    topic         text        NOT NULL,
    message_key   text        NOT NULL,
    payload       bytea       NOT NULL,
    trace_headers jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);
CREATE INDEX IF NOT EXISTS hub_outbox_unpublished ON hub_outbox (id) WHERE published_at IS NULL;

-- Wake the relay at once instead of waiting for its next poll.
CREATE OR REPLACE FUNCTION hub_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hub_outbox', '');
    RETURN NULL;
END;
$$;
DROP TRIGGER IF EXISTS hub_outbox_inserted ON hub_outbox;
CREATE TRIGGER hub_outbox_inserted AFTER INSERT ON hub_outbox
    FOR EACH STATEMENT EXECUTE FUNCTION hub_outbox_notify();

-- Inbox: the envelope ids this service has applied, written in the same transaction as the effect.
CREATE TABLE IF NOT EXISTS hub_inbox (
    event_id    uuid        PRIMARY KEY,
    event_type  text        NOT NULL,
    topic       text        NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
