"""`hub keys`: the rotation steps (no stack), and on the real PostgreSQL the re-wrap of
casefile's person keys under a new master-key version (progress, --json, exit codes), referral's
(none stored), and the blind index computed anew under a new index key. The module's hub is
left with keys its casefile can no longer unwrap: these tests have their module to themselves."""

import json
from typing import Any

import pytest
from casefile.config import Settings as CasefileSettings
from hub_demo.inprocess import RunningHub

from .conftest import Cli

NEW_MASTER = "new-casefile-master-key-0123456789-ABCDEFGHIJ"
NEW_INDEX = "new-casefile-index-key-0123456789-ABCDEFGHIJ"


def test_steps_name_what_hub_runs_and_what_the_deployment_does(cli: Cli) -> None:
    done = cli.invoke("keys", "steps", "casefile", "--json")
    assert done.exit_code == 0, done.stderr
    listed = json.loads(done.stdout)
    assert listed["key"] == "casefile"
    assert [s["step"] for s in listed["steps"]] == [1, 2, 3, 4]
    assert [s["command"] for s in listed["steps"]] == [None, None, "hub keys rotate casefile", None]
    token = json.loads(cli.invoke("keys", "steps", "token", "--json").stdout)
    assert "HUB_JWT_PREVIOUS_SECRET" in token["steps"][0]["do"]
    assert cli.invoke("keys", "steps", "index").exit_code == 0
    portal = json.loads(cli.invoke("keys", "steps", "partner-gateway", "--json").stdout)
    assert portal["steps"][2]["command"] == "hub keys rotate partner-gateway"
    assert cli.invoke("keys", "steps", "signals").exit_code == 2  # no such rotation


def service_env(running_hub: RunningHub, prefix: str, **values: str) -> dict[str, str | None]:
    return {
        f"{prefix}_DATABASE": running_hub.runtimes[
            0 if prefix == "CASEFILE" else 1
        ].definition.database,
        **{f"{prefix}_{k.upper()}": v for k, v in values.items()},
    }


@pytest.mark.integration
async def test_rotate_and_reindex_on_the_real_database(
    hub_cli: Cli, running_hub: RunningHub
) -> None:
    client = running_hub.client()
    for i in range(3):
        person = {"name": f"Sleutel Testpersoon {i}", "date_of_birth": "1990-02-03"}
        await client.open_case(person)
    old_master = CasefileSettings().master_key.get_secret_value()  # the dev default it runs on

    indexed: Any = await hub_cli.json(
        "keys", "reindex", **service_env(running_hub, "CASEFILE", index_key=NEW_INDEX)
    )
    assert indexed == {"indexed": 3, "same_person": []}

    step2 = service_env(
        running_hub,
        "CASEFILE",
        master_key=NEW_MASTER,
        master_key_version="2",
        previous_master_key=old_master,
    )
    rotated = await hub_cli.json("keys", "rotate", "casefile", "--batch", "2", **step2)
    assert rotated == {
        "service": "casefile",
        "current_version": 2,
        "rewrapped": 3,
        "keys_by_version": {"2": 3},
        "done": True,
    }
    again = await hub_cli.run("keys", "rotate", "casefile", **step2)
    assert again.exit_code == 0, again.stderr
    assert "keys re-wrapped" in again.stderr  # the progress line

    # Version 3 without the previous key: the keys under 2 cannot be opened.
    step2_wrong = {
        **step2,
        "CASEFILE_MASTER_KEY_VERSION": "3",
        "CASEFILE_PREVIOUS_MASTER_KEY": None,
    }
    refused = await hub_cli.run("keys", "rotate", "casefile", "--json", **step2_wrong)
    assert refused.exit_code == 1
    error = json.loads(refused.stderr)
    assert error["error"] == "key_version_unknown"
    assert "CASEFILE_PREVIOUS_MASTER_KEY" in error["detail"]

    referral = await hub_cli.json(
        "keys", "rotate", "referral", **service_env(running_hub, "REFERRAL")
    )
    assert (referral["service"], referral["rewrapped"], referral["done"]) == ("referral", 0, True)
    # The portal's TOTP secrets (none enrolled here; partner_gateway's own test re-seals some).
    gateway_db = running_hub.gateway.definition.database
    portal = await hub_cli.json(
        "keys", "rotate", "partner-gateway", PARTNER_GATEWAY_DATABASE=gateway_db
    )
    assert (portal["service"], portal["rewrapped"], portal["done"]) == (
        "partner-gateway",
        0,
        True,
    )

    insecure = await hub_cli.run("keys", "rotate", "casefile", HUB_ENV="production")
    assert insecure.exit_code == 1
    assert "error insecure_settings" in insecure.stderr
    assert "CASEFILE_MASTER_KEY is the development default" in insecure.stderr
