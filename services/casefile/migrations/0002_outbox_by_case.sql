-- The newest committed event of one case, for other services that must see a caller's write
-- before they judge (GET /internal/cases/{id}/events/newest): an index scan, newest first, over
-- one case's rows only.
CREATE INDEX IF NOT EXISTS hub_outbox_by_case ON hub_outbox (message_key, id);
