-- Origin-country authorities stay classified for good, and every change of a partner's type or
-- standing is audited (issue 12, item 3).

-- Set once the id was ever listed as an origin-country authority; never unset.
ALTER TABLE partners ADD COLUMN ever_origin_authority boolean NOT NULL DEFAULT false;

-- Backfill: what is an origin-country authority now, and every id this service ever announced
-- as one (its outbox keeps every PartnerRegistered it published), so an entry already
-- reclassified away from authority_origin before this migration is caught too.
UPDATE partners SET ever_origin_authority = true
 WHERE partner_type = 'authority_origin'
    OR partner_id IN (
        SELECT (convert_from(payload, 'UTF8')::jsonb -> 'data' ->> 'partner_id')::uuid
          FROM hub_outbox
         WHERE convert_from(payload, 'UTF8')::jsonb ->> 'type' LIKE 'council.referral.PartnerRegistered.%'
           AND convert_from(payload, 'UTF8')::jsonb -> 'data' ->> 'partner_type' = 'authority_origin'
    );

-- The last line of defence for any path that writes partners (the API refuses first, with a
-- 409; this also stops a direct SQL import): the flag is set whenever the type is
-- authority_origin, is never unset, and the type of a flagged entry cannot change.
CREATE FUNCTION partners_origin_authority_permanent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.ever_origin_authority THEN
        IF NEW.partner_type <> 'authority_origin' THEN
            RAISE EXCEPTION 'partner % was listed as an origin-country authority; its type cannot change',
                OLD.partner_id USING ERRCODE = 'check_violation';
        END IF;
        NEW.ever_origin_authority := true;
    END IF;
    IF NEW.partner_type = 'authority_origin' THEN
        NEW.ever_origin_authority := true;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER partners_origin_authority_permanent BEFORE INSERT OR UPDATE ON partners
    FOR EACH ROW EXECUTE FUNCTION partners_origin_authority_permanent();

-- Who changed a partner's type or standing, when, and why (a closed code: no free text).
-- `before`/`after` hold the standing fields (type, active, agreement, purposes, countries):
-- organisation data, never a counselled person's.
CREATE TABLE partner_changes (
    id             bigserial PRIMARY KEY,
    partner_id     uuid        NOT NULL REFERENCES partners (partner_id),
    changed_by     text        NOT NULL,
    changed_at     timestamptz NOT NULL,
    reason         text        NOT NULL CHECK (reason IN (
        'registered', 'agreement_signed', 'agreement_renewed', 'agreement_ended', 'removed',
        'reinstated', 'reclassified', 'purposes_changed', 'correction')),
    changed_fields text[]      NOT NULL,
    before         jsonb,
    after          jsonb       NOT NULL
);
CREATE INDEX partner_changes_partner ON partner_changes (partner_id, id);

-- The audit is append-only.
CREATE FUNCTION partner_changes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the partner change audit is append-only' USING ERRCODE = 'check_violation';
END;
$$;
CREATE TRIGGER partner_changes_append_only BEFORE UPDATE OR DELETE ON partner_changes
    FOR EACH ROW EXECUTE FUNCTION partner_changes_append_only();
