"""The third new user's HTTP findings, checked on all four services running (in this process,
on the real Kafka and PostgreSQL, over real HTTP), route by route from each service's own route
table, so a route added later is covered too:

- a 405's ``Allow`` lists every method of the path (RFC 9110 section 15.5.6), not only the
  first matching route's (``PATCH /cases`` answered ``Allow: POST``);
- a UUID in a path is accepted in its canonical form only: upper case, braces, no hyphens or
  ``urn:uuid:`` are a 422 naming the parameter, like any malformed id (they were read as the
  same resource);
- validation sentences in the hub's words (``limit=-1``, a language ``uk-UA``, ``taken_by``);
- an unknown case is ``case_not_found`` in casefile and referral alike.
"""

import re
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from hub_demo.inprocess import RunningHub
from hub_runtime.auth import Role, mint_token
from hub_runtime.edge_head import marked
from hub_runtime.service import ServiceRuntime

pytestmark = pytest.mark.integration

CANONICAL = "0b3e7c1a-5d2f-4c1e-9a7b-2f8e6d4c3b1a"
NON_CANONICAL = [
    CANONICAL.upper(),
    "{" + CANONICAL + "}",
    CANONICAL.replace("-", ""),
    "urn:uuid:" + CANONICAL,
]
TRIED = ("PATCH", "PUT", "DELETE", "POST", "GET")
PARAMETER = re.compile(r"\{([^}:]+)(:path)?\}")
NOT_CANONICAL = "should be a UUID in its canonical form (RFC 9562)"


def _route_table(runtime: ServiceRuntime) -> dict[str, set[str]]:
    """Path template -> methods, from every route of the running app that has methods (those
    of included routers too); a GET that discloses personal data is listed as ``GET!``
    (`hub_runtime.edge_head`: no HEAD there)."""
    assert runtime.app is not None
    table: dict[str, set[str]] = {}
    for route in iter_route_contexts(runtime.app.routes):
        if route.methods and route.path_format:
            methods = route.methods - {"HEAD"}
            if "GET" in methods and marked(route.endpoint):
                methods = methods | {"GET!"}
            table.setdefault(route.path_format, set()).update(methods)
    return table


def _pattern(template: str) -> re.Pattern[str]:
    parts = PARAMETER.split(template)
    out = ""
    for i in range(0, len(parts), 3):
        out += re.escape(parts[i])
        if i + 1 < len(parts):
            out += ".+" if parts[i + 2] else "[^/]+"
    return re.compile(out)


async def test_every_405_allows_every_method_of_its_path(running_hub: RunningHub) -> None:
    checked = 0
    async with httpx.AsyncClient(timeout=30) as http:
        for runtime in running_hub.runtimes:
            table = _route_table(runtime)
            for template in table:
                path = PARAMETER.sub(CANONICAL, template)
                methods = set().union(*(m for t, m in table.items() if _pattern(t).fullmatch(path)))
                head = "GET" in methods and "GET!" not in methods
                expected = (methods - {"GET!"}) | ({"HEAD"} if head else set())
                method = next((m for m in TRIED if m not in expected), None)
                if method is None:
                    continue
                answer = await http.request(method, runtime.base_url + path)
                assert answer.status_code == 405, (
                    runtime.definition.name,
                    method,
                    path,
                    answer.text,
                )
                assert answer.json()["error"] == "method_not_allowed"
                allow = answer.headers["allow"]
                # the order of a list is no part of its meaning (RFC 9110 section 10.2.1)
                shown = set(allow.split(", "))
                assert shown == expected, (runtime.definition.name, path, allow)
                checked += 1
    assert checked > 60  # every service's paths, not a handful


async def _known_partner(hub: RunningHub) -> UUID:
    """A partner the gateway knows (a partner's routes check that before the request)."""
    client = hub.client()
    partner_id = await client.register_partner("Edge test partner")
    url = f"{hub.gateway.base_url}/admin/partners/{partner_id}/credentials"
    await client.retry_while_conflict("POST", url, Role.ADMIN, None, ok=201)
    return partner_id


def _tokens(hub: RunningHub, partner_id: UUID) -> list[dict[str, str]]:
    secret = hub.hub.jwt_secret.get_secret_value()
    tokens = [
        mint_token(secret, sub="edge-test", role=role, partner_id=partner_id)
        if role is Role.PARTNER
        else mint_token(secret, sub="edge-test", role=role)
        for role in Role
    ]
    return [
        {
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": f"edge-test-{uuid4()}",
            "Content-Type": "application/json",
        }
        for token in tokens
    ]


async def test_a_path_id_in_another_form_is_refused_everywhere(running_hub: RunningHub) -> None:
    """Every operation with a UUID path parameter, in every service, with each form; the
    role that gets past authorisation sees the 422 naming the parameter."""
    checked = 0
    partner_id = await _known_partner(running_hub)
    async with httpx.AsyncClient(timeout=30) as http:
        for runtime in running_hub.runtimes:
            document = (await http.get(runtime.base_url + "/openapi.json")).json()
            for template, operations in document["paths"].items():
                for method, operation in operations.items():
                    ids = [
                        p["name"]
                        for p in operation.get("parameters", [])
                        if p["in"] == "path" and p["schema"].get("format") == "uuid"
                    ]
                    # A body only where the operation takes one (400 body_not_expected else).
                    body = b"{}" if "requestBody" in operation else b""
                    for name in ids:
                        await _refused_in_every_form(
                            http,
                            _tokens(running_hub, partner_id),
                            runtime,
                            method,
                            template,
                            name,
                            body,
                        )
                        checked += 1
    assert checked > 30


async def _refused_in_every_form(
    http: httpx.AsyncClient,
    tokens: list[dict[str, str]],
    runtime: ServiceRuntime,
    method: str,
    template: str,
    name: str,
    body: bytes,
) -> None:
    for written in NON_CANONICAL:
        # the other parameters first: a written form may have braces itself
        others = PARAMETER.sub(lambda m: m[0] if m[1] == name else CANONICAL, template)
        path = others.replace("{" + name + "}", written)
        answer = None
        for headers in tokens:
            answer = await http.request(
                method.upper(), runtime.base_url + path, headers=headers, content=body
            )
            if answer.status_code not in (401, 403):
                break
        assert answer is not None
        where = (runtime.definition.name, method, template, written)
        assert answer.status_code == 422, (*where, answer.text)
        reasons: list[str] = answer.json()["reasons"]
        assert any(r.startswith(f"path.{name}: {NOT_CANONICAL}") for r in reasons), (
            *where,
            reasons,
        )
        assert written not in answer.text


async def _as(hub: RunningHub, role: Role) -> dict[str, str]:
    secret = hub.hub.jwt_secret.get_secret_value()
    return {"Authorization": f"Bearer {mint_token(secret, sub='edge-test', role=role)}"}


async def test_the_trials_validation_sentences_are_the_hubs(running_hub: RunningHub) -> None:
    casefile, referral = running_hub.casefile.base_url, running_hub.referral.base_url
    counsellor = await _as(running_hub, Role.COUNSELLOR)
    async with httpx.AsyncClient(timeout=30) as http:
        listing = await http.get(f"{casefile}/cases?limit=-1", headers=counsellor)
        person = {"name": "Olena Edgetest", "date_of_birth": "1990-01-01", "languages": ["uk-UA"]}
        opened = await http.post(f"{casefile}/cases", json={"person": person}, headers=counsellor)
        consent = await http.post(
            f"{referral}/cases/{CANONICAL}/consents",
            json={"evidence": {"taken_by": "Olena Edgetest"}},
            headers=counsellor,
        )
    assert listing.status_code == 422, listing.text
    assert listing.json()["reasons"] == ["query.limit: should be 1 or more"]
    assert opened.status_code == 422, opened.text
    assert (
        "person.languages[0]: should be an ISO 639 language code: 2 or 3 lower-case letters,"
        " e.g. uk" in opened.json()["reasons"]
    ), opened.json()
    assert consent.status_code == 422, consent.text
    taken_by = [r for r in consent.json()["reasons"] if r.startswith("evidence.taken_by")]
    assert taken_by == [
        "evidence.taken_by: is not written in the form this field takes (its pattern is in the"
        " API description)"
    ]
    for answer in (listing, opened, consent):
        assert "Input should" not in answer.text
        assert "^" not in answer.text
        assert "Edgetest" not in answer.text


async def test_an_unknown_case_is_case_not_found_in_casefile_and_referral(
    running_hub: RunningHub,
) -> None:
    unknown = str(uuid4())
    counsellor = await _as(running_hub, Role.COUNSELLOR)
    async with httpx.AsyncClient(timeout=30) as http:
        answers = [
            await http.get(f"{running_hub.casefile.base_url}/cases/{unknown}", headers=counsellor),
            await http.get(
                f"{running_hub.referral.base_url}/cases/{unknown}/view", headers=counsellor
            ),
        ]
    for answer in answers:
        assert (answer.status_code, answer.json()["error"]) == (404, "case_not_found"), answer.text
