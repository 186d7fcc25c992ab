-- Wake a request that waits for its case view to catch up with casefile (read-your-writes,
-- referral.view_catch_up) as soon as the consumer commits an event, instead of at its next
-- poll (issue 16: no polling where a notification can wake the waiter; the poll stays as the
-- fallback). One notification per consumer transaction: the inbox claim is one statement.
CREATE TRIGGER referral_inbox_applied AFTER INSERT ON hub_inbox
    FOR EACH STATEMENT EXECUTE FUNCTION hub_notify('referral_inbox');
