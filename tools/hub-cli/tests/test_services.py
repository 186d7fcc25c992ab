"""`hub status|partners|gateway|erase|signals` against the four services running in-process on
the real Kafka and PostgreSQL."""

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hub_demo.client import council_today
from hub_demo.inprocess import RunningHub
from hub_runtime.auth import Role

from .conftest import Cli

pytestmark = pytest.mark.integration

PERSON = {"name": "Test Persoon", "date_of_birth": "1990-01-01", "languages": ["ar"]}


def _register_args(name: str) -> list[str]:
    today = council_today()
    return [
        "partners",
        "register",
        "--name",
        name,
        "--type",
        "intergovernmental",
        "--country",
        "IQ",
        "--purpose",
        "reintegration_support",
        "--service",
        "reintegration grants",
        "--agreement-reference",
        "DSA-CLI-1",
        "--agreement-valid-from",
        (today - timedelta(days=1)).isoformat(),
        "--agreement-valid-until",
        (today + timedelta(days=365)).isoformat(),
    ]


async def _retry_until_known(hub_cli: Cli, *args: str, input: str | None = None) -> Any:
    """The gateway learns of a new partner through Kafka: 409 unknown until then."""
    deadline = time.monotonic() + 30
    while True:
        result = await hub_cli.run(*args, "--json", input=input)
        if result.exit_code == 0:
            return json.loads(result.stdout)
        assert json.loads(result.stderr)["status"] == 409, result.stderr
        assert time.monotonic() < deadline, result.stderr


async def test_status_reports_the_stack_and_every_service(hub_cli: Cli) -> None:
    report = await hub_cli.json("status")
    assert set(report) == {"ok", "stack", "services"}
    assert report["ok"] is True, report
    assert {n: c["status"] for n, c in report["stack"].items()} == {
        "kafka": "pass",
        "postgres": "pass",
    }
    assert [(s["name"], s["health"], s["ready"]) for s in report["services"]] == [
        (name, "pass", "pass") for name in ("casefile", "referral", "partner-gateway", "signals")
    ]
    human = await hub_cli.run("status")
    assert human.exit_code == 0
    assert "partner-gateway" in human.stdout
    assert "kafka" in human.stdout


async def test_status_names_the_service_that_is_down(hub_cli: Cli) -> None:
    result = await hub_cli.run("status", "--json", HUB_SIGNALS_URL="http://127.0.0.1:9")
    assert result.exit_code == 3
    services = {s["name"]: s for s in json.loads(result.stdout)["services"]}
    assert services["signals"]["ready"].startswith("unreachable")
    assert services["casefile"]["ready"] == "pass"


async def test_partner_register_list_webhook_and_client_lifecycle(
    hub_cli: Cli, running_hub: RunningHub
) -> None:
    created = await hub_cli.json(*_register_args("IOM mission (cli test)"))
    partner_id = created["partner_id"]
    assert created["may_receive_data"] is True
    listed = await hub_cli.json("partners", "list")
    assert partner_id in [p["partner_id"] for p in listed["items"]]
    human = await hub_cli.run("partners", "list")
    assert "IOM mission (cli test)" in human.stdout

    # The URL on standard input, never on the command line (its query may hold a secret).
    hook = await _retry_until_known(
        hub_cli, "partners", "webhook", partner_id, input="http://127.0.0.1:8190/hook?k=s3\n"
    )
    assert hook["partner_id"] == partner_id
    assert hook["url"] == "http://127.0.0.1:8190/hook?k=s3"
    assert hook["secret"]

    issued = await _retry_until_known(hub_cli, "partners", "issue", partner_id)
    client_id, first_secret = issued["client_id"], issued["client_secret"]
    clients = await hub_cli.json("partners", "clients", partner_id)
    assert client_id in [c["client_id"] for c in clients["items"]]
    assert first_secret not in json.dumps(clients)

    rotated = await hub_cli.json("partners", "rotate", client_id)
    assert rotated["client_id"] == client_id
    assert rotated["client_secret"] != first_secret
    assert rotated["previous_secret_valid_until"]
    # The new secret works at the gateway's token endpoint; after revoking, nothing does.
    gateway = running_hub.urls().gateway
    async with httpx.AsyncClient(base_url=gateway) as http:
        body = {"client_id": client_id, "client_secret": rotated["client_secret"]}
        assert (await http.post("/partner/token", json=body)).status_code == 200
        revoked = await hub_cli.json("partners", "revoke", client_id)
        assert revoked == {"client_id": client_id, "status": "revoked"}
        assert (await http.post("/partner/token", json=body)).status_code == 401


async def test_partner_register_refusals_show_the_hubs_error(hub_cli: Cli) -> None:
    args = _register_args("Bad country org")
    args[args.index("IQ")] = "Iraq"
    result = await hub_cli.run(*args)
    assert result.exit_code == 1
    assert result.stderr.startswith("error invalid_request (HTTP 422):"), result.stderr
    assert "Traceback" not in result.output
    missing = await hub_cli.run("partners", "register", "--name", "Only a name", "--json")
    assert missing.exit_code == 1
    assert json.loads(missing.stderr)["error"] == "missing_option"


async def test_rotating_an_unknown_client_is_a_clear_404(hub_cli: Cli) -> None:
    result = await hub_cli.run("partners", "rotate", "pc_unknown0000", "--json")
    assert result.exit_code == 1
    error = json.loads(result.stderr)
    assert (error["status"], set(error)) == (404, {"error", "detail", "reasons", "status"})


async def test_gateway_logs(hub_cli: Cli) -> None:
    deliveries = await hub_cli.json("gateway", "deliveries")
    assert set(deliveries) == {"items", "breakers"}
    notices = await hub_cli.json("gateway", "notices", "--overdue")
    assert set(notices) == {"items"}
    bad = await hub_cli.run("gateway", "deliveries", "--state", "lost", "--json")
    assert bad.exit_code == 1
    assert json.loads(bad.stderr)["status"] == 422


async def test_erase_a_person(hub_cli: Cli, running_hub: RunningHub) -> None:
    client = running_hub.client()
    case_id = await client.open_case(PERSON)
    declined = await hub_cli.run("erase", str(case_id), "--json", input="n\n")
    # Only CliRunner's echo of the typed answer; the question and the error are on stderr.
    assert declined.stdout.strip() == "n"
    assert "Erase the person of case" in declined.stderr
    assert declined.exit_code == 1
    assert '"error": "not_confirmed"' in declined.stderr
    stone = await client.call("GET", f"{client.urls.casefile}/cases/{case_id}/erasure", Role.ADMIN)
    assert stone.status_code == 404

    erased = await hub_cli.json("erase", str(case_id), "--yes")
    assert erased == {"case_id": str(case_id), "erased": True}
    stone = await client.call("GET", f"{client.urls.casefile}/cases/{case_id}/erasure", Role.ADMIN)
    assert stone.status_code == 200
    assert stone.json()["erased_by"] == "hub-cli"
    await client.aclose()


async def test_erasing_an_unknown_case_is_not_found(hub_cli: Cli) -> None:
    result = await hub_cli.run("erase", "00000000-0000-4000-8000-000000000000", "--yes")
    assert result.exit_code == 1
    assert result.stderr.startswith("error case_not_found (HTTP 404):"), result.stderr


async def test_signals_publish_a_closed_period_twice_the_same(hub_cli: Cli) -> None:
    first = await hub_cli.json("signals", "publish", "2020-01")
    assert first["period"] == "2020-01"
    assert isinstance(first["tables"], dict)
    assert await hub_cli.json("signals", "publish", "2020-01") == first
    human = await hub_cli.run("signals", "publish", "2020-01")
    assert human.exit_code == 0
    assert "release 2020-01" in human.stdout


async def test_signals_publish_an_open_period_is_refused(hub_cli: Cli) -> None:
    # Signals' periods are UTC months (signals.domain.periods); the council's date is a month
    # ahead during the last hour or two of a month, which signals refuses as implausible.
    current = datetime.now(UTC).strftime("%Y-%m")
    result = await hub_cli.run("signals", "publish", current, "--json")
    assert result.exit_code == 1
    error = json.loads(result.stderr)
    assert (error["error"], error["status"]) == ("period_open", 409)


async def test_an_explicit_token_is_used_as_is(hub_cli: Cli) -> None:
    counsellor = (await hub_cli.run("token", "--role", "counsellor")).stdout.strip()
    result = await hub_cli.run("--token", counsellor, "signals", "publish", "2020-02", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stderr)["status"] == 403


async def test_import_dry_run_then_import_then_resume(hub_cli: Cli, tmp_path: Path) -> None:
    """`hub import`: the dry run names the refused row without its values, the import opens
    the rest once, and running it again opens nothing more (the rows' keys are the file's)."""
    header = "person_name,date_of_birth,languages,country_of_origin,region,location_type,stage"
    rows = [
        "Kittest Cli-Aaa,1980-01-02,ar,IQ,noord,vbl,appeal_pending",
        "Kittest Cli-Bbb,2999-01-01,fa,AF,oost,vbl,appeal_pending",  # born in the future
        "Kittest Cli-Ccc,1985-03-04,ti,ER,zuid,vbl,appeal_pending",
    ]
    caseload = tmp_path / "caseload.csv"
    caseload.write_text("\n".join([header, *rows]) + "\n")

    dry = await hub_cli.run("import", str(caseload), "--json")
    assert dry.exit_code == 1, (dry.stdout, dry.stderr)
    report = json.loads(dry.stdout)
    assert (report["dry_run"], report["rows"], report["refused_rows"]) == (True, 3, 1)
    assert [(p["row"], p["code"]) for p in report["problems"]] == [(3, "date_in_future")]
    assert "2999" not in dry.stdout  # no cell value echoed
    assert "Bbb" not in dry.stdout

    done = await hub_cli.run("import", str(caseload), "--no-dry-run", "--json")
    assert done.exit_code == 1  # the refused row is refused again
    assert json.loads(done.stdout)["imported"] == 2
    again = await hub_cli.run("import", str(caseload), "--no-dry-run", "--json")
    answer = json.loads(again.stdout)
    assert (answer["imported"], answer["already_imported"]) == (0, 2)

    unreadable = tmp_path / "no-columns.csv"
    unreadable.write_text("name\nKittest Cli-Ddd\n")
    refused = await hub_cli.run("import", str(unreadable), "--json")
    assert refused.exit_code == 1
    assert json.loads(refused.stderr)["error"] == "caseload_unreadable"
    assert "Ddd" not in refused.stderr
