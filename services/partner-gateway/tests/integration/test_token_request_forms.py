"""``POST /partner/token`` as RFC 6749 section 4.4 describes it (a form, HTTP Basic) beside the
hub's JSON, and the order of its checks (``partner_gateway.api.token_request``): an
origin-country authority's client is refused as soon as it is identified, whatever else is
wrong with the request; no check tells more about a client id than ``invalid_client``."""

import base64
from typing import Any
from urllib.parse import quote_plus

import pytest
from hub_contracts import PartnerType
from hub_runtime.auth import verify_token

from .conftest import Gateway

pytestmark = pytest.mark.integration

FORM = {"content-type": "application/x-www-form-urlencoded"}
RFC_6749_CODES = {
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
}
ALLOWED = {chr(c) for c in (0x20, 0x21, *range(0x23, 0x5C), *range(0x5D, 0x7F))}


def _basic(client_id: str, secret: str) -> dict[str, str]:
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"authorization": "Basic " + base64.b64encode(pair).decode()}


async def _client(gateway: Gateway, partner_type: PartnerType = PartnerType.NGO) -> Any:
    partner_id = await gateway.register_partner(PartnerType.NGO)
    await gateway.wait_for_partner(partner_id)
    created = await gateway.http.post(
        f"/admin/partners/{partner_id}/credentials", headers=gateway.admin()
    )
    assert created.status_code == 201, created.text
    if partner_type is PartnerType.AUTHORITY_ORIGIN:
        await gateway.register_partner(partner_type, partner_id=partner_id)
        await gateway.view_holds(
            "SELECT ever_origin_authority FROM partners WHERE partner_id = $1", partner_id
        )
    return partner_id, created.json()["client_id"], created.json()["client_secret"]


def _answer(response: Any) -> tuple[int, str]:
    return response.status_code, response.json().get("error", "token")


async def test_the_form_and_http_basic_of_rfc_6749_give_a_token(gateway: Gateway) -> None:
    partner_id, client_id, secret = await _client(gateway)
    secret_key = gateway.hub.jwt_secret.get_secret_value()
    in_body = await gateway.http.post(
        "/partner/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert in_body.status_code == 200, in_body.text
    assert in_body.json()["token_type"] == "Bearer"
    assert verify_token(secret_key, in_body.json()["access_token"]).partner_id == partner_id
    basic = await gateway.http.post(
        "/partner/token",
        content="grant_type=client_credentials&scope=ignored",  # unknown parameters: ignored
        headers={**FORM, **_basic(client_id, secret)},
    )
    assert basic.status_code == 200, basic.text
    assert verify_token(secret_key, basic.json()["access_token"]).sub == client_id
    json_basic = await gateway.http.post(
        "/partner/token",
        json={"grant_type": "client_credentials"},
        headers=_basic(client_id, secret),
    )
    assert json_basic.status_code == 200, json_basic.text
    # the hub's JSON, as before
    as_json = await gateway.http.post(
        "/partner/token", json={"client_id": client_id, "client_secret": secret}
    )
    assert as_json.status_code == 200, as_json.text


async def test_wrong_requests_get_the_hubs_errors(gateway: Gateway) -> None:
    _, client_id, secret = await _client(gateway)
    post = gateway.http.post
    wrong_basic = await post(
        "/partner/token",
        content="grant_type=client_credentials",
        headers={**FORM, **_basic(client_id, "pcs_wrong")},
    )
    assert _answer(wrong_basic) == (401, "invalid_client")
    assert wrong_basic.headers["www-authenticate"].startswith("Basic")
    in_body = await post(
        "/partner/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": "x"},
    )
    assert _answer(in_body) == (401, "invalid_client")
    both = await post(
        "/partner/token",
        data={"grant_type": "client_credentials", "client_secret": secret},
        headers=_basic(client_id, secret),
    )
    assert _answer(both) == (400, "invalid_request")
    assert both.json()["reasons"] == [
        "client_secret: is given in the Authorization header already: use one"
    ]
    other_id = await post(
        "/partner/token",
        data={"grant_type": "client_credentials", "client_id": "pc_other"},
        headers=_basic(client_id, secret),
    )
    assert _answer(other_id) == (400, "invalid_request")
    assert other_id.json()["reasons"] == ["client_id: is not the one in the Authorization header"]
    twice = await post(
        "/partner/token",
        content=f"grant_type=client_credentials&client_id={client_id}&client_id=pc_other"
        f"&client_secret={secret}",
        headers=FORM,
    )
    assert _answer(twice) == (400, "invalid_request")
    assert twice.json()["reasons"] == ["client_id: is given more than once"]
    no_grant = await post("/partner/token", data={"client_id": client_id, "client_secret": secret})
    assert _answer(no_grant) == (400, "invalid_request")
    assert [r.split(":")[0] for r in no_grant.json()["reasons"]] == ["grant_type"]
    other_grant = await post(
        "/partner/token",
        data={"grant_type": "password", "client_id": client_id, "client_secret": secret},
    )
    assert _answer(other_grant) == (400, "unsupported_grant_type")
    assert other_grant.json()["reasons"] == [
        "grant_type: only client_credentials is supported here"
    ]
    json_grant = await post(
        "/partner/token",
        json={"grant_type": "password", "client_id": client_id, "client_secret": secret},
    )
    assert _answer(json_grant) == (400, "unsupported_grant_type")
    unknown_member = await post(
        "/partner/token", json={"client_id": client_id, "client_secret": secret, "scope": "x"}
    )
    assert _answer(unknown_member) == (400, "invalid_request")
    nobody = await post("/partner/token", data={"grant_type": "client_credentials"})
    assert _answer(nobody) == (401, "invalid_client")  # section 5.2: no client authentication
    assert nobody.headers["www-authenticate"].startswith("Basic")
    duplicate_key = await post(
        "/partner/token",
        content=f'{{"client_id": "{client_id}", "client_id": "{client_id}"}}',
        headers={"content-type": "application/json"},
    )
    assert _answer(duplicate_key) == (400, "invalid_request")  # the edge's strict JSON
    bearer = await post(
        "/partner/token", data={"grant_type": "client_credentials"}, headers=gateway.admin()
    )
    assert _answer(bearer) == (401, "invalid_client")
    text = await post("/partner/token", content="a=b", headers={"content-type": "text/plain"})
    assert _answer(text) == (415, "unsupported_media_type")
    assert "application/x-www-form-urlencoded" in text.json()["detail"]
    refusals = (wrong_basic, in_body, both, twice, no_grant, other_grant, json_grant)
    refusals += (unknown_member, nobody, duplicate_key, bearer, text)
    for response in refusals:
        assert secret not in response.text
        assert "access_token" not in response.text
        _is_rfc_6749_error(response)
    for response in (in_body, bearer):  # RFC 9110 section 15.5.2: every 401 has a challenge
        assert response.headers["www-authenticate"].startswith("Basic")


def _is_rfc_6749_error(response: Any) -> None:
    """RFC 6749 section 5.2 in the hub's shape: 400 or 401 with one of its codes (or the
    hub's own for what section 5.2 does not cover), ``error_description`` in the ASCII it
    allows, and section 5.1's headers."""
    body = response.json()
    assert set(body) == {"error", "detail", "reasons", "error_description"}, body
    if response.status_code in (400, 401):
        assert body["error"] in RFC_6749_CODES
    assert body["error_description"] == body["detail"].replace('"', "'")
    assert all(c in ALLOWED for c in body["error_description"])
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"


async def test_the_token_answer_is_never_cached(gateway: Gateway) -> None:
    """RFC 6749 section 5.1: the token response carries no-store (and Pragma: no-cache)."""
    _, client_id, secret = await _client(gateway)
    answer = await gateway.http.post(
        "/partner/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["pragma"] == "no-cache"
    assert int(answer.headers["content-length"]) == len(answer.content)
    other_route = await gateway.http.get("/health")
    assert "no-store" not in other_route.headers.get("cache-control", "")
    refused_method = await gateway.http.get("/partner/token")
    assert _answer(refused_method) == (405, "method_not_allowed")
    assert refused_method.headers["cache-control"] == "no-store"


async def test_an_unknown_client_gets_invalid_client_whatever_else_is_wrong(
    gateway: Gateway,
) -> None:
    """Authentication comes before the grant's checks: an unknown id and a known id with a
    wrong secret get the same answer, with or without a bad grant type."""
    _, client_id, _ = await _client(gateway)
    for candidate in (client_id, "pc_0000000000000000"):
        for grant in ("client_credentials", "password"):
            response = await gateway.http.post(
                "/partner/token",
                data={"grant_type": grant, "client_id": candidate, "client_secret": "pcs_no"},
            )
            assert _answer(response) == (401, "invalid_client"), (candidate, grant)


async def test_an_origin_authority_is_refused_first_once_identified(gateway: Gateway) -> None:
    _, client_id, secret = await _client(gateway, PartnerType.AUTHORITY_ORIGIN)
    origin = (403, "partner_origin_authority")
    requests: list[dict[str, Any]] = [
        {"json": {"client_id": client_id, "client_secret": secret}},
        {"json": {"client_id": client_id, "client_secret": secret, "grant_type": "password"}},
        {"json": {"client_id": client_id, "client_secret": secret, "unknown": 1}},
        {"data": {"client_id": client_id, "client_secret": secret}},  # no grant_type
        {"data": {"grant_type": "password"}, "headers": _basic(client_id, secret)},
        {"json": {"extra": True}, "headers": _basic(client_id, secret)},
    ]
    for request in requests:
        response = await gateway.http.post("/partner/token", **request)
        assert _answer(response) == origin, (request, response.text)
        assert "access_token" not in response.text


async def test_the_openapi_document_gives_the_rfc_6749_errors(gateway: Gateway) -> None:
    document = (await gateway.http.get("/openapi.json")).json()
    responses = document["paths"]["/partner/token"]["post"]["responses"]
    assert "422" not in responses  # section 5.2: an invalid request is a 400
    assert {"400", "401", "403", "415", "429"} <= set(responses)
    assert "unsupported_grant_type" in responses["400"]["description"]
    schema = responses["400"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    body = document["components"]["schemas"][schema]
    assert {"error", "detail", "reasons", "error_description"} <= set(body["required"])
