"""The partner gateway: signed webhooks out, disclosures through casefile, partners' updates in."""
