"""Helpers for the portal's tests: an admin invites, a staff member activates and signs in
through the forms, as a browser would (cookies kept by an httpx client)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import httpx

from .conftest import Gateway

CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')
IDEM = re.compile(r'name="idem" value="([A-Za-z0-9_-]+)"')
PASSWORD = "correct horse battery staple"


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


@dataclass
class Staff:
    """A staff member's browser: ``http`` keeps the cookies."""

    staff_id: uuid.UUID
    partner_id: uuid.UUID
    email: str
    http: httpx.AsyncClient

    async def form(self, page_path: str, action: str, **fields: str) -> httpx.Response:
        """GET the page, then POST the form with its CSRF token (and the page's first
        Idempotency-Key when the form carries one and ``idem`` is not given)."""
        page = await self.http.get(page_path)
        data = {"csrf": csrf_of(page), **fields}
        key = IDEM.search(page.text)
        if key and "idem" not in data:
            data["idem"] = key.group(1)
        return await self.http.post(action, data=data)


async def invite(
    gateway: Gateway, partner_id: uuid.UUID, email: str, *, lead: bool = False
) -> tuple[uuid.UUID, str]:
    response = await gateway.http.post(
        f"/admin/partners/{partner_id}/staff",
        json={"email": email, "lead": lead},
        headers=gateway.admin(),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["activation_path"] == "/portal/activate"
    return uuid.UUID(body["staff_id"]), body["invitation_code"]


def browser(gateway: Gateway) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=gateway.url, timeout=30, follow_redirects=False)
    gateway.cleanups.append(client.aclose)
    return client


async def signed_in_staff(gateway: Gateway, partner_id: uuid.UUID, *, lead: bool = False) -> Staff:
    """Invited (a lead when ``lead``), activated and signed in (the session cookie in
    ``http``)."""
    email = f"staff-{uuid.uuid4().hex[:8]}@partner.example"
    staff_id, code = await invite(gateway, partner_id, email, lead=lead)
    staff = Staff(staff_id, partner_id, email, browser(gateway))
    done = await staff.form(
        f"/portal/activate?code={code}",
        "/portal/activate",
        code=code,
        password=PASSWORD,
        confirm=PASSWORD,
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/portal/sign-in?activated=1"
    signed = await staff.form("/portal/sign-in", "/portal/sign-in", email=email, password=PASSWORD)
    assert (signed.status_code, signed.headers["location"]) == (303, "/portal/"), signed.text
    return staff
