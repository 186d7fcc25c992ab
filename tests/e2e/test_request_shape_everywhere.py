"""The sixth new user's findings about what a request carries beyond its operation, checked on
all four services running (in this process, on the real Kafka and PostgreSQL, over real HTTP),
operation by operation from each service's own OpenAPI document, so a route added later is
covered too (`hub_runtime.edge_shape`, `hub_runtime.http.create_app`):

- a body sent to an operation that takes none is 400 ``body_not_expected`` and changes
  nothing (a consent's withdrawal with a JSON body answered 200);
- a query parameter the operation does not declare is 400 ``unknown_query_parameter``, whose
  answer names the parameters it takes and never the unknown one; a declared scalar one given
  twice is 400 ``query_parameter_repeated``; a list parameter still repeats;
- a path with a final slash its route does not have is the hub's 404, never Starlette's 307
  with the query copied into ``Location``;
- the staff pages keep their own query and forms, the token endpoint its form.
"""

import re
from typing import Any

import httpx
import pytest
from hub_demo.inprocess import RunningHub
from hub_runtime.auth import Role, mint_token
from hub_runtime.testing import wait_until

pytestmark = pytest.mark.integration

CANONICAL = "0b3e7c1a-5d2f-4c1e-9a7b-2f8e6d4c3b1a"
PARAMETER = re.compile(r"\{[^}]+\}")
# What a person might type as a parameter's name or value: it must never come back.
CANARY = "Fatima-Haddad-1987"
BODY = {"member_id": CANARY}
# Under the gateway's form_prefixes: it reads its own form or JSON and, as RFC 6749 section 3.2
# asks of a token endpoint, ignores parameters it does not know.
READS_ITS_OWN = {("partner-gateway", "/partner/token")}
PERSON = {"name": "Yusuf Shapetest", "date_of_birth": "1984-03-12", "phone": "+31 6 5550 1234"}


def _as(hub: RunningHub, role: Role, **claims: Any) -> dict[str, str]:
    token = mint_token(hub.hub.jwt_secret.get_secret_value(), sub="shape-test", role=role, **claims)
    return {"Authorization": f"Bearer {token}"}


def _refused(answer: httpx.Response, code: str) -> dict[str, Any]:
    assert answer.status_code == 400, answer.text
    body: dict[str, Any] = answer.json()
    assert set(body) == {"error", "detail", "reasons"}, body
    assert body["error"] == code, body
    assert CANARY not in answer.text
    assert CANARY not in str(answer.headers)
    return body


async def _operations(http: httpx.AsyncClient, base: str) -> list[tuple[str, str, Any]]:
    document = (await http.get(base + "/openapi.json")).json()
    return [
        (method.upper(), template, operation)
        for template, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


async def test_what_an_operation_does_not_take_is_refused_everywhere(
    running_hub: RunningHub,
) -> None:
    """Every documented operation of every service, without a token (the shape is checked
    first): an unknown query parameter, a scalar one twice, and a body where none is taken."""
    checked = 0
    async with httpx.AsyncClient(timeout=30) as http:
        for runtime in running_hub.runtimes:
            for method, template, operation in await _operations(http, runtime.base_url):
                where = (runtime.definition.name, method, template)
                if where[::2] in READS_ITS_OWN:
                    continue
                url = runtime.base_url + PARAMETER.sub(CANONICAL, template)
                query = [p for p in operation.get("parameters", []) if p["in"] == "query"]
                unknown = await http.request(method, url, params={CANARY: CANARY})
                detail = _refused(unknown, "unknown_query_parameter")["detail"]
                names = ", ".join(p["name"] for p in query)
                assert detail.endswith(
                    f"takes the query parameters: {names}" if query else "takes no query parameters"
                ), (where, detail)
                for parameter in query:
                    name = parameter["name"]
                    twice = await http.request(method, url, params=[(name, "1"), (name, "2")])
                    if parameter["schema"].get("type") == "array":
                        assert twice.json().get("error") != "query_parameter_repeated", where
                    else:
                        body = _refused(twice, "query_parameter_repeated")
                        assert body["reasons"] == [f"query.{name}: is given more than once"]
                if "requestBody" not in operation:
                    sent = await http.request(method, url, json=BODY)
                    _refused(sent, "body_not_expected")
                assert "400" in operation["responses"], where  # documented
                checked += 1
    assert checked > 80  # every service's operations, not a handful


async def test_a_body_to_an_operation_that_takes_none_changes_nothing(
    running_hub: RunningHub,
) -> None:
    """In each service, a no-body write sent with a body is refused before its handler runs:
    the state is as before; the same request without the body then does what it says (so the
    state checks can see a change)."""
    client = running_hub.client()
    partner_id = await client.register_partner("Shape test partner")
    case_id = await client.open_case(PERSON)
    await client.record_decision(case_id)
    await client.wait_for_referral_view(case_id)
    consent_id = await client.grant_consent(case_id, partner_id)
    counsellor = _as(running_hub, Role.COUNSELLOR)
    admin = _as(running_hub, Role.ADMIN)
    coordinator = _as(running_hub, Role.COORDINATOR)
    consent = f"{running_hub.referral.base_url}/consents/{consent_id}"
    credentials = f"{running_hub.gateway.base_url}/admin/partners/{partner_id}/credentials"
    case = f"{running_hub.casefile.base_url}/cases/{case_id}"
    publish = f"{running_hub.signals.base_url}/admin/periods/2020-01/publish"
    periods = f"{running_hub.signals.base_url}/signals/periods"
    async with httpx.AsyncClient(timeout=30) as http:
        # referral: the trial's request, a withdrawal with a body naming a member
        refused = await http.post(f"{consent}/withdraw", json=BODY, headers=counsellor)
        _refused(refused, "body_not_expected")
        assert (await http.get(consent, headers=counsellor)).json()["withdrawn_at"] is None
        withdrawn = await http.post(f"{consent}/withdraw", headers=counsellor)
        assert withdrawn.json()["withdrawn_at"] is not None, withdrawn.text

        # partner-gateway: new client credentials for the partner
        async def known() -> bool:
            return (await http.get(credentials, headers=admin)).status_code == 200

        await wait_until(known, within=30)
        _refused(await http.post(credentials, json=BODY, headers=admin), "body_not_expected")
        assert (await http.get(credentials, headers=admin)).json()["items"] == []
        assert (await http.post(credentials, headers=admin)).status_code == 201
        assert len((await http.get(credentials, headers=admin)).json()["items"]) == 1

        # signals: publishing a closed month now
        _refused(await http.post(publish, json=BODY, headers=admin), "body_not_expected")
        assert "2020-01" not in (await http.get(periods, headers=admin)).text
        assert (await http.post(publish, headers=admin)).status_code == 200
        assert "2020-01" in (await http.get(periods, headers=admin)).text

        # casefile: erasing the person (a DELETE)
        erase = await http.request("DELETE", f"{case}/person", json=BODY, headers=coordinator)
        _refused(erase, "body_not_expected")
        kept = await http.get(case, headers=coordinator)
        assert kept.json()["person"]["identity"]["name"] == PERSON["name"], kept.text
        assert (await http.delete(f"{case}/person", headers=coordinator)).status_code == 200
        assert (await http.get(case, headers=coordinator)).status_code == 410


async def test_a_list_parameter_repeats_and_the_pages_keep_their_own_query(
    running_hub: RunningHub,
) -> None:
    """Casefile's ``?type=a&type=b`` is read whole, while a scalar one twice is refused; the
    dashboard's and the portal's pages take a query of their own (a language link), the
    token endpoint its form, where an API route refuses the same."""
    client = running_hub.client()
    case_id = await client.open_case(PERSON)
    newest = f"{running_hub.casefile.base_url}/internal/cases/{case_id}/events/newest"
    service = _as(running_hub, Role.SERVICE)
    signals, gateway = running_hub.signals.base_url, running_hub.gateway.base_url
    async with httpx.AsyncClient(timeout=30) as http:
        types = [("type", "council.casefile.CaseOpened.v1"), ("type", "council.casefile.X.v1")]
        listed = await http.get(newest, params=types, headers=service)
        assert listed.status_code == 200, listed.text
        assert listed.json()["event_id"] is not None
        cases = f"{running_hub.casefile.base_url}/cases"
        counsellor = _as(running_hub, Role.COUNSELLOR)
        twice = await http.get(cases, params=[("limit", "1"), ("limit", "2")], headers=counsellor)
        _refused(twice, "query_parameter_repeated")

        _refused(await http.get(f"{signals}/signals/tables?lang=en"), "unknown_query_parameter")
        dashboard = await http.get(f"{signals}/dashboard?lang=en")
        assert dashboard.status_code == 303, dashboard.text  # to sign-in, no session
        assert (await http.get(f"{signals}/dashboard/sign-in?lang=en")).status_code == 200
        assert (await http.get(f"{gateway}/portal/sign-in?lang=fr")).status_code == 200
        token = await http.post(
            f"{gateway}/partner/token?lang=en",
            data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
        )
        assert token.json()["error"] == "invalid_client", token.text  # read, not refused


async def test_a_final_slash_is_a_404_never_a_redirect_with_the_query(
    running_hub: RunningHub,
) -> None:
    """``GET /cases/?x=<typed>`` answered 307 with the query in ``Location``; now each service
    answers its 404 (in the hub's shape), with nothing of the query. The portal's own redirect
    from ``/portal`` to ``/portal/`` is a route of its own and carries no query."""
    paths = {
        running_hub.casefile: "/cases/",
        running_hub.referral: "/partners/",
        running_hub.gateway: "/admin/notices/",
        running_hub.signals: "/signals/periods/",
    }
    async with httpx.AsyncClient(timeout=30) as http:
        for runtime, path in paths.items():
            for url in (runtime.base_url + path, runtime.base_url + "/health/"):
                answer = await http.get(url, params={"x": CANARY})
                assert answer.status_code == 404, (url, answer.status_code, answer.headers)
                assert answer.json()["error"] == "not_found"
                assert "location" not in answer.headers
                assert CANARY not in answer.text
        portal = await http.get(f"{running_hub.gateway.base_url}/portal", params={"x": CANARY})
        assert (portal.status_code, portal.headers["location"]) == (303, "/portal/"), portal.text
        # The dashboard's page is /dashboard; /dashboard/ leads there, without the query.
        signals = running_hub.signals.base_url
        dashboard = await http.get(f"{signals}/dashboard/", params={"x": CANARY})
        assert (dashboard.status_code, dashboard.headers["location"]) == (303, "/dashboard")


async def test_a_page_names_the_form_and_the_token_endpoint_json_or_a_form(
    running_hub: RunningHub,
) -> None:
    """The sixth trial: a ``text/plain`` body to a staff page's form got the edge's 415, whose
    sentence names JSON too, which no page takes. A page's 415 names the form only; the token
    endpoint, which takes JSON or a form, names both. Nothing typed comes back."""
    plain = {"content-type": "text/plain", "accept": "application/json"}
    body = f"username={CANARY}".encode()
    gateway, signals = running_hub.gateway.base_url, running_hub.signals.base_url
    async with httpx.AsyncClient(timeout=30) as http:
        for url in (f"{signals}/dashboard/sign-in", f"{gateway}/portal/sign-in"):
            answer = await http.post(url, content=body, headers=plain)
            assert answer.status_code == 415, (url, answer.text)
            detail = answer.json()["detail"]
            assert "form" in detail, (url, detail)
            assert "JSON" not in detail, (url, detail)
            assert CANARY not in answer.text
        token = await http.post(f"{gateway}/partner/token", content=body, headers=plain)
    assert token.status_code == 415, token.text
    assert "JSON" in token.json()["detail"]
    assert "form" in token.json()["detail"]
    assert CANARY not in token.text
