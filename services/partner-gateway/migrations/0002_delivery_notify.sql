-- Wake the delivery worker as soon as a webhook is queued, instead of at its next poll (the poll
-- stays, for retries whose time comes and for notifications sent while nobody listened).
CREATE OR REPLACE FUNCTION gateway_delivery_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gateway_deliveries', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER gateway_delivery_queued AFTER INSERT ON deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION gateway_delivery_queued();
