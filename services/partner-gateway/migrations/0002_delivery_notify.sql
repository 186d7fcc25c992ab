-- Wake the delivery worker as soon as a webhook is queued, instead of at its next poll (the poll
-- stays, for retries whose time comes and for notifications sent while nobody listened).
CREATE TRIGGER gateway_delivery_queued AFTER INSERT ON deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION hub_notify('gateway_deliveries');
