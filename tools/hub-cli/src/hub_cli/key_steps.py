"""The steps of each key rotation without downtime (the README's "Deployment" section), as data
for `hub keys steps`: (what to do, the `hub` command that does it or None for a deployment's
own step: set a variable on every instance, restart them one by one)."""

STEPS: dict[str, list[tuple[str, str | None]]] = {
    "token": [
        (
            "Set HUB_JWT_PREVIOUS_SECRET to the current HUB_JWT_SECRET on every service;"
            " restart them one by one",
            None,
        ),
        ("Set HUB_JWT_SECRET to the new key on every service; restart them one by one", None),
        (
            "Wait until the longest-lived hub-signed token issued before has expired (partners'"
            " tokens: PARTNER_GATEWAY_PARTNER_TOKEN_TTL_SECONDS, 15 minutes by default; service"
            " calls: 60 s)",
            None,
        ),
        ("Unset HUB_JWT_PREVIOUS_SECRET; restart one by one", None),
    ],
    "casefile": [
        (
            "Set CASEFILE_NEXT_MASTER_KEY to the new secret on every instance; restart one by"
            " one (all can now unwrap keys of version n + 1)",
            None,
        ),
        (
            "Set CASEFILE_MASTER_KEY to the new secret, CASEFILE_MASTER_KEY_VERSION to n + 1,"
            " CASEFILE_PREVIOUS_MASTER_KEY to the old secret, unset CASEFILE_NEXT_MASTER_KEY;"
            " restart one by one",
            None,
        ),
        (
            "With the step-2 settings, re-wrap every key still under version n (safe beside"
            " the running services); repeat until it exits 0",
            "hub keys rotate casefile",
        ),
        ("Unset CASEFILE_PREVIOUS_MASTER_KEY; restart one by one", None),
    ],
    "referral": [
        (
            "Set REFERRAL_NEXT_MASTER_KEY to the new secret on every instance; restart one by one",
            None,
        ),
        (
            "Set REFERRAL_MASTER_KEY to the new secret, REFERRAL_MASTER_KEY_VERSION to n + 1,"
            " REFERRAL_PREVIOUS_MASTER_KEY to the old secret, unset REFERRAL_NEXT_MASTER_KEY;"
            " restart one by one",
            None,
        ),
        (
            "With the step-2 settings, re-wrap every case key still under version n; repeat"
            " until it exits 0",
            "hub keys rotate referral",
        ),
        ("Unset REFERRAL_PREVIOUS_MASTER_KEY; restart one by one", None),
    ],
    "partner-gateway": [
        (
            "Set PARTNER_GATEWAY_NEXT_MASTER_KEY to the new secret on every gateway instance;"
            " restart one by one",
            None,
        ),
        (
            "Set PARTNER_GATEWAY_MASTER_KEY to the new secret, PARTNER_GATEWAY_MASTER_KEY_VERSION"
            " to n + 1, PARTNER_GATEWAY_PREVIOUS_MASTER_KEY to the old secret, unset"
            " PARTNER_GATEWAY_NEXT_MASTER_KEY; restart one by one",
            None,
        ),
        (
            "With the step-2 settings, re-seal every portal TOTP secret still under version n"
            " (staff keep their authenticator apps); repeat until it exits 0",
            "hub keys rotate partner-gateway",
        ),
        ("Unset PARTNER_GATEWAY_PREVIOUS_MASTER_KEY; restart one by one", None),
    ],
    "index": [
        (
            "Set CASEFILE_INDEX_KEY to the new secret on every casefile instance; restart one"
            " by one (until step 2 ends, a person opened before is not found as already in"
            " the hub: prefer a quiet hour)",
            None,
        ),
        (
            "Compute every open case's blind index under the new key; exit 1 lists open cases"
            " that hold the same person",
            "hub keys reindex",
        ),
    ],
}
