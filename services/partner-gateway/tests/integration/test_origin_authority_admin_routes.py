"""A partner the directory reclassifies as an origin-country authority after it got
credentials and portal accounts: no admin or portal route issues or stores anything more for
it (a new secret, a reset code, a password), each answers 403 ``partner_origin_authority``
with the one sentence every service gives for that code (``hub_contracts.REFUSAL_TEXTS``)."""

import uuid
from typing import Any

import pytest
from hub_contracts import REFUSAL_TEXTS, PartnerType, RefusalCode

from .conftest import Gateway
from .portal import PASSWORD, browser, csrf_of, invite, signed_in_staff

pytestmark = pytest.mark.integration

ORIGIN = (403, "partner_origin_authority", REFUSAL_TEXTS[RefusalCode.PARTNER_ORIGIN_AUTHORITY])


def _refusal(response: Any) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["error"], body["detail"]


async def _fetch(gateway: Gateway, sql: str, *args: Any) -> list[Any]:
    assert gateway.runtime.context is not None
    return [tuple(r) for r in await gateway.runtime.context.pool.fetch(sql, *args)]


async def test_nothing_is_issued_for_a_partner_reclassified_as_origin_authority(
    gateway: Gateway,
) -> None:
    partner_id = await gateway.register_partner(PartnerType.NGO)
    await gateway.wait_for_partner(partner_id)
    created = await gateway.http.post(
        f"/admin/partners/{partner_id}/credentials", headers=gateway.admin()
    )
    assert created.status_code == 201, created.text
    client_id, secret = created.json()["client_id"], created.json()["client_secret"]
    active = await signed_in_staff(gateway, partner_id)
    reset = await gateway.http.post(
        f"/admin/staff/{active.staff_id}/password-reset", headers=gateway.admin()
    )
    assert reset.status_code == 201, reset.text
    reset_code = reset.json()["reset_code"]
    pending_id, invitation = await invite(gateway, partner_id, "later@partner.example")

    await gateway.register_partner(PartnerType.AUTHORITY_ORIGIN, partner_id=partner_id)
    await gateway.view_holds(
        "SELECT ever_origin_authority FROM partners WHERE partner_id = $1", partner_id
    )
    secrets_before = await _fetch(
        gateway, "SELECT secret_id, valid_until FROM client_secrets WHERE client_id = $1", client_id
    )
    staff_sql = (
        "SELECT staff_id, password_hash, activated_at, reset_hash, invite_hash"
        " FROM portal_staff WHERE partner_id = $1 ORDER BY staff_id"
    )
    staff_before = await _fetch(gateway, staff_sql, partner_id)

    rotated = await gateway.http.post(
        f"/admin/credentials/{client_id}/rotate", headers=gateway.admin()
    )
    assert _refusal(rotated) == ORIGIN
    again = await gateway.http.post(
        f"/admin/staff/{active.staff_id}/password-reset", headers=gateway.admin()
    )
    assert _refusal(again) == ORIGIN
    more = await gateway.http.post(
        f"/admin/partners/{partner_id}/staff",
        json={"email": "another@partner.example"},
        headers=gateway.admin(),
    )
    assert _refusal(more) == ORIGIN
    webhook = await gateway.put_webhook(partner_id, "http://127.0.0.1:9/hook")
    assert _refusal(webhook) == ORIGIN
    token = await gateway.http.post(
        "/partner/token", json={"client_id": client_id, "client_secret": secret}
    )
    assert _refusal(token) == ORIGIN

    # The portal's one-time codes issued before the reclassification set no password.
    pending = browser(gateway)
    page = await pending.get(f"/portal/activate?code={invitation}")
    activated = await pending.post(
        "/portal/activate",
        data={"csrf": csrf_of(page), "code": invitation, "password": PASSWORD, "confirm": PASSWORD},
    )
    assert activated.status_code == 403, activated.text
    resetting = browser(gateway)
    page = await resetting.get(f"/portal/reset?code={reset_code}")
    new_password = "another correct horse battery"
    used = await resetting.post(
        "/portal/reset",
        data={
            "csrf": csrf_of(page),
            "code": reset_code,
            "password": new_password,
            "confirm": new_password,
        },
    )
    assert used.status_code == 403, used.text

    assert (
        await _fetch(
            gateway,
            "SELECT secret_id, valid_until FROM client_secrets WHERE client_id = $1",
            client_id,
        )
        == secrets_before
    )
    assert await _fetch(gateway, staff_sql, partner_id) == staff_before
    assert pending_id in [row[0] for row in staff_before]
    # Revoking stays possible: it only takes away.
    revoked = await gateway.http.post(
        f"/admin/credentials/{client_id}/revoke", headers=gateway.admin()
    )
    assert revoked.status_code == 200, revoked.text
    assert uuid.UUID(str(active.staff_id))
