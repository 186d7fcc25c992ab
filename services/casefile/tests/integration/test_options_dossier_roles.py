"""Options discussed, the buitenschuld dossier export, and who may do what."""

from typing import Any

import pytest
from hub_contracts import Envelope, Topic
from hub_contracts.registry import decode
from hub_runtime.auth import Role
from hub_runtime.testing import read_all, wait_until

pytestmark = pytest.mark.integration


async def test_options_discussed_are_recorded_and_published(casefile: Any) -> None:
    case_id = await casefile.open_case()
    headers = casefile.token(Role.COUNSELLOR)
    body = {
        "options": ["independent_return", "onward_migration", "irregular_stay", "forced_return"],
        "language": "ar",
        "interpreter_used": True,
        "materials": ["leaflet_return_options_ar"],
        "discussed_on": casefile.today().isoformat(),
    }
    response = await casefile.http.post(f"/cases/{case_id}/options", json=body, headers=headers)
    assert response.status_code == 201, response.text
    view = (await casefile.http.get(f"/cases/{case_id}", headers=headers)).json()
    assert view["options_discussed"][0]["materials"] == ["leaflet_return_options_ar"]
    assert view["options_discussed"][0]["interpreter_used"] is True

    async def published() -> list[dict[str, Any]]:
        records = await read_all(casefile.hub, casefile.hub.topic(Topic.CASEFILE_EVENTS))
        return [
            decode(e).model_dump(mode="json")
            for e in (Envelope.from_bytes(r.value) for r in records)
            if e.subject == case_id and e.type.endswith("OptionsDiscussed.v1")
        ]

    async def arrived() -> bool:
        return bool(await published())

    await wait_until(arrived)
    event = (await published())[0]
    assert event["options"] == body["options"]
    assert (event["language"], event["interpreter_used"]) == ("ar", True)


async def test_the_buitenschuld_dossier_exports_every_effort_in_order(casefile: Any) -> None:
    case_id = await casefile.open_case(stage="final_rejection")
    headers = casefile.token(Role.COUNSELLOR)
    today = casefile.today()
    efforts = [
        ("document_request", "2025-11-03", "embassy", "no_answer", ["mail:2025-11-03"], None),
        ("embassy_visit", "2025-10-01", "embassy", "refused", ["photo:visit-1"], "Was sent away"),
        ("authority_answer", today.isoformat(), "dtv", "pending", [], None),
    ]
    for kind, day, authority, outcome, refs, note in efforts:
        response = await casefile.http.post(
            f"/cases/{case_id}/efforts",
            json={
                "kind": kind,
                "occurred_on": day,
                "authority": authority,
                "outcome": outcome,
                "evidence_refs": refs,
                "note": note,
            },
            headers=headers,
        )
        assert response.status_code == 201, response.text

    dossier = await casefile.http.get(f"/cases/{case_id}/buitenschuld-dossier", headers=headers)
    assert dossier.status_code == 200, dossier.text
    document = dossier.json()
    assert document["person"]["name"] == casefile.NAME
    assert [e["occurred_on"] for e in document["efforts"]] == [
        "2025-10-01",
        "2025-11-03",
        today.isoformat(),
    ]
    assert document["efforts"][0]["note"] == "Was sent away"
    assert document["efforts"][0]["evidence_refs"] == ["photo:visit-1"]

    markdown = await casefile.http.get(
        f"/cases/{case_id}/buitenschuld-dossier", params={"format": "markdown"}, headers=headers
    )
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "| 2025-10-01 | embassy_visit | embassy | refused | photo:visit-1 | Was sent away |" in (
        markdown.text
    )
    assert casefile.NAME in markdown.text
    # Reading the dossier is a read of personal data: logged.
    log = await casefile.http.get(
        f"/cases/{case_id}/access-log", headers=casefile.token(Role.ADMIN, "root")
    )
    assert [r["why"] for r in log.json()["items"]] == [
        "buitenschuld_dossier",
        "buitenschuld_dossier",
    ]


@pytest.mark.parametrize("role", [Role.ADVOCACY, Role.PARTNER, Role.SERVICE])
async def test_roles_without_access_to_cases_are_refused(casefile: Any, role: Role) -> None:
    case_id = await casefile.open_case()
    secret = casefile.hub.jwt_secret.get_secret_value()
    from uuid import uuid4

    from hub_runtime.auth import mint_token

    token = mint_token(secret, sub="x", role=role, partner_id=uuid4())
    headers = {"Authorization": f"Bearer {token}"}
    today = casefile.today().isoformat()
    calls = [
        ("GET", "/cases", None),
        ("GET", f"/cases/{case_id}", None),
        ("POST", "/cases", casefile.case_body()),
        ("POST", f"/cases/{case_id}/decision", {"decision": "undecided", "decided_on": today}),
        ("GET", f"/cases/{case_id}/buitenschuld-dossier", None),
        ("DELETE", f"/cases/{case_id}/person", None),
        ("GET", f"/cases/{case_id}/access-log", None),
    ]
    for method, path, body in calls:
        response = await casefile.http.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, (method, path, response.status_code)
    assert await casefile.fetchval("SELECT count(*) FROM cases") == 1
    assert await casefile.fetchval("SELECT count(*) FROM access_log") == 0


async def test_admins_manage_but_do_not_work_on_cases(casefile: Any) -> None:
    case_id = await casefile.open_case()
    admin = casefile.token(Role.ADMIN, "root")
    assert (
        await casefile.http.post("/cases", json=casefile.case_body(), headers=admin)
    ).status_code == 403
    view = await casefile.http.get(f"/cases/{case_id}", headers=admin)
    assert view.status_code == 200
    assert view.json()["person"] is None
    dossier = await casefile.http.get(f"/cases/{case_id}/buitenschuld-dossier", headers=admin)
    assert dossier.status_code == 403
    assert (
        await casefile.http.delete(f"/cases/{case_id}/person", headers=admin)
    ).status_code == 200


async def test_openapi_and_asyncapi_are_served(casefile: Any) -> None:
    openapi = (await casefile.http.get("/openapi.json")).json()
    assert {"/cases", "/cases/{case_id}", "/internal/disclosures"} <= set(openapi["paths"])
    asyncapi = (await casefile.http.get("/asyncapi.json")).json()
    operations = set(asyncapi["operations"])
    assert "send_casefile_events_v1" in operations
    assert {"receive_referral_events_v1", "receive_partner_events_v1"} <= operations


async def test_head_on_a_read_of_the_person_is_405_and_logs_no_read(casefile: Any) -> None:
    """The ninth new user's trial (on the gateway's referral; the same holds here): a HEAD ran
    the GET, so the person's data was read and the read logged, though no body was sent."""
    case_id = await casefile.open_case(stage="final_rejection")
    counsellor = casefile.token(Role.COUNSELLOR)
    for path in (f"/cases/{case_id}", f"/cases/{case_id}/buitenschuld-dossier"):
        head = await casefile.http.head(path, headers=counsellor)
        assert head.status_code == 405, path
        allowed = head.headers["allow"].split(", ")
        assert "GET" in allowed, (path, allowed)
        assert "HEAD" not in allowed, (path, allowed)
    log = await casefile.http.get(
        f"/cases/{case_id}/access-log", headers=casefile.token(Role.ADMIN, "root")
    )
    assert log.json()["items"] == []
    assert (await casefile.http.get(f"/cases/{case_id}", headers=counsellor)).status_code == 200
    log = await casefile.http.get(
        f"/cases/{case_id}/access-log", headers=casefile.token(Role.ADMIN, "root")
    )
    assert [r["why"] for r in log.json()["items"]] == ["case_view"]
