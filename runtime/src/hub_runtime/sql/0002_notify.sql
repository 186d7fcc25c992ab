-- One trigger function for every "wake the worker" trigger of a service's tables:
--   CREATE TRIGGER ... FOR EACH STATEMENT EXECUTE FUNCTION hub_notify('<channel>');
-- (hub_runtime.notify.Wakeup listens on the channel).
CREATE OR REPLACE FUNCTION hub_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_ARGV[0], '');
    RETURN NULL;
END;
$$;
