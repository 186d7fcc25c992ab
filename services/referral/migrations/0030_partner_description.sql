-- An organisation's description (Open Referral HSDS 3.0: `organization.description` is
-- required). Plain text like the name: organisations are not persons; typed through the one
-- text type (hub_contracts.text, NFC, bounded) by the API and the HSDS import. Null for the
-- entries from before (the HSDS export answers them with an empty description).
ALTER TABLE partners ADD COLUMN description text;
