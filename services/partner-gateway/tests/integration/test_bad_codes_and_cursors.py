"""Issue 13 on the gateway's edge: ids and cursors parsed whole and ASCII-only (never a 500)."""

import uuid

import pytest

from .conftest import Gateway

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    "body",
    [
        {"client_id": "pc_\u0000x", "client_secret": "pcs_x"},  # the NUL (500 before)
        {"client_id": "pc_x", "client_secret": "pcs_\u0000"},  # a NUL in the other field
        {"client_id": "pc_\u00e4x", "client_secret": "pcs_x"},  # a non-ASCII letter
        {"client_id": "pc_x\n", "client_secret": "pcs_x"},  # a trailing line feed
    ],
)
async def test_token_requests_with_control_or_foreign_characters_are_400(
    gateway: Gateway, body: dict[str, str]
) -> None:
    response = await gateway.http.post("/partner/token", json=body)
    assert response.status_code == 400, response.text  # RFC 6749 section 5.2
    assert response.json()["error"] == "invalid_request"


async def test_a_client_id_in_the_path_is_parsed_too(gateway: Gateway) -> None:
    """The admin's rotate/revoke take the client id from the path: same class as the body."""
    for action in ("rotate", "revoke"):
        response = await gateway.http.post(
            f"/admin/credentials/pc_%00x/{action}", headers=gateway.admin()
        )
        assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    "cursor",
    [
        "%C2%B2",  # the superscript two: isdigit() said yes, int() failed (500)
        "%D9%A1%D9%A2",  # the Arabic-Indic 12: read as 12
        "12%0A",  # a trailing line feed: not whole
        "%EF%BC%91%EF%BC%92",  # fullwidth 12: other digits, same class
    ],
)
async def test_inbox_cursors_are_ascii_digits(gateway: Gateway, cursor: str) -> None:
    partner_id = await gateway.register_partner()
    await gateway.wait_for_partner(partner_id)
    response = await gateway.http.get(
        f"/partner/inbox?cursor={cursor}", headers=gateway.as_partner(partner_id)
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "bad_cursor"


async def test_admin_paging_numbers_are_ascii_and_bounded(gateway: Gateway) -> None:
    for query in ("after=%D9%A1", "after=9223372036854775808", "limit=1_0", "limit=%C2%B2"):
        response = await gateway.http.get(f"/admin/deliveries?{query}", headers=gateway.admin())
        assert response.status_code == 422, (query, response.text)
    ok = await gateway.http.get(
        f"/admin/deliveries?partner_id={uuid.uuid4()}&limit=10", headers=gateway.admin()
    )
    assert ok.status_code == 200
