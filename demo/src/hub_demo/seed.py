"""Demo data for `make run`, through the public HTTP APIs only (as counsellors' tools would).

    python -m hub_demo.seed partners   # directory, webhook and credentials of the simulator
    python -m hub_demo.seed cases      # fictional cases, consents, referrals, bottlenecks

Every person here is invented. The simulator's webhook secret and API credentials are written
to .hub/simulator.env (git-ignored) for infra/services.sh to start it with.
"""

import argparse
import asyncio
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from hub_runtime.auth import Role
from hub_runtime.local_ports import local_url
from hub_runtime.settings import HubSettings

from hub_demo.client import HubClient, HubUrls

HUB_DIR = Path(__file__).resolve().parents[3] / ".hub"
STATE = HUB_DIR / "demo-state.json"
SIMULATOR_ENV = HUB_DIR / "simulator.env"


def simulator_webhook() -> str:
    """The simulator's webhook on this machine (its port: ``SIM_PORT``, default 8190)."""
    return local_url("partner-simulator") + "/webhooks"


def urls() -> HubUrls:
    """The services on this machine, on the ports ``make run`` gave them
    (``<SERVICE>_HTTP_PORT``, default 8101-8104; ``hub_runtime.local_ports``)."""
    return HubUrls(
        casefile=local_url("casefile"),
        referral=local_url("referral"),
        gateway=local_url("partner-gateway"),
        signals=local_url("signals"),
    )


FICTIONAL_CASES: list[dict[str, Any]] = [
    {
        "person": {"name": "Amina Demo-Yusuf", "date_of_birth": "1990-05-17", "languages": ["so"]},
        "facts": {"country_of_origin": "SO", "region": "west", "location_type": "vbl"},
        "bottlenecks": ["travel_documents_refused", "no_daytime_activity"],
    },
    {
        "person": {"name": "Karim Demo-Haddad", "date_of_birth": "1984-11-02", "languages": ["ar"]},
        "facts": {
            "country_of_origin": "IQ",
            "region": "oost",
            "location_type": "family_location",
            "household": [{"relation": "child", "date_of_birth": "2016-03-09"}],
            "vulnerabilities": ["family_with_children"],
        },
        "bottlenecks": ["long_family_location_stay"],
    },
    {
        "person": {
            "name": "Dawit Demo-Tesfaye",
            "date_of_birth": "1995-01-28",
            "languages": ["ti"],
        },
        "facts": {"country_of_origin": "ER", "region": "zuid", "location_type": "none_street"},
        "bottlenecks": ["reception_ended_street", "origin_unsafe_or_unwilling"],
    },
]


async def seed_partners(client: HubClient) -> None:
    if STATE.exists() and await _still_there(client, json.loads(STATE.read_text())):
        print("demo partners already seeded (.hub/demo-state.json)")
        return
    iom = await client.register_partner("IOM mission Iraq (demo)")
    ngo_body = _partner("Reintegration NGO Erbil (demo)", "ngo", ["reintegration_support"])
    ngo = await _register(client, ngo_body)
    # Listed so that counsellors can see it is refused by name; it never receives anything.
    embassy_body = _partner(
        "Embassy of the country of origin (demo)", "authority_origin", ["travel_documents"]
    )
    await _register(client, embassy_body)
    advocacy_body = _partner(
        "Council advocacy team (anonymous statistics)", "other", ["anonymous_reporting"], "NL"
    )
    advocacy = await _register(client, advocacy_body)
    secret = await client.register_webhook(iom, simulator_webhook())
    client_id, client_secret = await client.partner_credentials(iom)
    SIMULATOR_ENV.write_text(
        f"SIM_WEBHOOK_SECRET={secret}\nSIM_CLIENT_ID={client_id}\nSIM_CLIENT_SECRET={client_secret}\n"
    )
    SIMULATOR_ENV.chmod(0o600)
    STATE.write_text(json.dumps({"iom": str(iom), "ngo": str(ngo), "advocacy": str(advocacy)}))
    print("demo partners: IOM mission (simulated), an NGO, a listed embassy, the advocacy team")


async def seed_cases(client: HubClient) -> None:
    state = json.loads(STATE.read_text())
    if state.get("cases"):
        print("demo cases already seeded")
        return
    iom, advocacy = UUID(state["iom"]), UUID(state["advocacy"])
    cases = []
    for demo in FICTIONAL_CASES:
        case_id = await client.open_case(demo["person"], **demo["facts"])
        await client.record_decision(case_id)
        await client.wait_for_referral_view(case_id)
        await client.record_consent(case_id, _anonymous_reporting_consent(advocacy))
        await client.grant_consent(case_id, iom)
        referral = await client.request_referral(case_id, iom)
        for category in demo["bottlenecks"]:
            await client.record_bottleneck(case_id, category)
        cases.append({"case_id": str(case_id), "referral": referral["status"]})
    state["cases"] = cases
    STATE.write_text(json.dumps(state))
    for case in cases:
        print(f"demo case {case['case_id']}: referral {case['referral']}")


async def _still_there(client: HubClient, state: dict[str, Any]) -> bool:
    """The state file survives `infra/stack.sh reset`; the databases do not."""
    url = f"{client.urls.referral}/partners/{state['iom']}"
    return (await client.call("GET", url, Role.ADMIN)).status_code == 200


def _partner(name: str, kind: str, purposes: list[str], country: str = "IQ") -> dict[str, Any]:
    return {
        "name": name,
        "partner_type": kind,
        "countries": [country],
        "purposes": purposes,
        "agreement_reference": "DSA-DEMO",
        "agreement_valid_from": (date.today() - timedelta(days=10)).isoformat(),
        "agreement_valid_until": (date.today() + timedelta(days=365)).isoformat(),
    }


async def _register(client: HubClient, body: dict[str, Any]) -> UUID:
    created = await client.expect("POST", f"{client.urls.referral}/partners", Role.ADMIN, body, 201)
    return UUID(created["partner_id"])


def _anonymous_reporting_consent(advocacy: UUID) -> dict[str, Any]:
    from datetime import UTC, datetime

    return {
        "partner_id": str(advocacy),
        "purposes": ["anonymous_reporting"],
        "data_categories": ["case_history"],
        "valid_from": date.today().isoformat(),
        "valid_until": (date.today() + timedelta(days=365)).isoformat(),
        "evidence": {
            "form_reference": "CF-DEMO-ANON",
            "language": "en",
            "interpreter_used": False,
            "taken_by": "demo-counsellor",
            "taken_at": datetime.now(UTC).isoformat(),
            "informed_transfer_outside_eu": False,
        },
    }


async def _main(step: str) -> None:
    client = HubClient(urls(), HubSettings().jwt_secret.get_secret_value())
    try:
        await (seed_partners(client) if step == "partners" else seed_cases(client))
    finally:
        await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description="Seed the running hub with demo data")
    parser.add_argument("step", choices=["partners", "cases"])
    asyncio.run(_main(parser.parse_args().step))


if __name__ == "__main__":
    main()
