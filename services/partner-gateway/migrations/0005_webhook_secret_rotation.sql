-- Every retired signing secret keeps signing until the end promised for it at its rotation.
-- Before, one previous_secret column held only the last retired secret: a second rotation
-- within the overlap dropped the first secret before its promised end.
CREATE TABLE webhook_retired_secrets (
    partner_id  uuid        NOT NULL REFERENCES partners (partner_id) ON DELETE CASCADE,
    secret      text        NOT NULL,  -- in clear: needed to sign (Standard Webhooks is symmetric)
    valid_until timestamptz NOT NULL,  -- the end promised in the rotation's answer
    PRIMARY KEY (partner_id, secret)
);

INSERT INTO webhook_retired_secrets (partner_id, secret, valid_until)
SELECT partner_id, previous_secret, previous_secret_until FROM partners
WHERE previous_secret IS NOT NULL AND previous_secret_until IS NOT NULL
  AND previous_secret_until > now();

ALTER TABLE partners DROP COLUMN previous_secret, DROP COLUMN previous_secret_until;
