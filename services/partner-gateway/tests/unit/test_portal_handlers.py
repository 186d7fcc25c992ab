"""The portal's account handlers through the bus on the fakes: one answer for every failed
sign-in, invitations used once, refusals for origin-country authorities, revocation, the
disclosure naming the staff member."""

from __future__ import annotations

from uuid import uuid4

import pytest
from hub_contracts import PartnerType
from hub_runtime.errors import (
    ConflictError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    UnauthenticatedError,
)
from partner_gateway import messages as m
from partner_gateway.disclosure import disclose

from .test_handlers_bus import Hub

PASSWORD = "a long enough password"


async def _member(hub: Hub, email: str = "Staff@Partner.example") -> tuple[m.StaffInvited, str]:
    partner_id = await hub.partner()
    invited = await hub.bus.dispatch(m.InviteStaff(partner_id, email))
    await hub.bus.dispatch(m.ActivateStaff(invited.code, PASSWORD))
    return invited, str(partner_id)


async def test_a_password_signs_in_and_the_session_resolves_until_sign_out() -> None:
    hub = Hub()
    invited, partner_id = await _member(hub)
    assert invited.code not in repr(invited)  # secrets stay out of reprs (and so of logs)
    token = (await hub.bus.dispatch(m.SignIn("staff@partner.example", PASSWORD))).token
    session = await hub.bus.dispatch(m.ResolveSession(token, 900, 3600))
    assert session is not None
    assert (str(session.partner_id), session.email) == (partner_id, "staff@partner.example")
    assert token.encode() not in repr(hub.state.sessions).encode()  # only its hash is kept
    await hub.bus.dispatch(m.SignOut(token))
    assert await hub.bus.dispatch(m.ResolveSession(token, 900, 3600)) is None


@pytest.mark.parametrize(
    ("email", "password"),
    [("staff@partner.example", "wrong password!"), ("nobody@partner.example", PASSWORD)],
)
async def test_a_wrong_password_and_an_unknown_address_get_one_answer(
    email: str, password: str
) -> None:
    hub = Hub()
    await _member(hub)
    with pytest.raises(UnauthenticatedError) as refused:
        await hub.bus.dispatch(m.SignIn(email, password))
    assert refused.value.code == "bad_sign_in"


async def test_an_invitation_is_used_once_and_a_short_password_is_refused() -> None:
    hub = Hub()
    partner_id = await hub.partner()
    invited = await hub.bus.dispatch(m.InviteStaff(partner_id, "a@p.example"))
    with pytest.raises(InvalidError):
        await hub.bus.dispatch(m.ActivateStaff(invited.code, "short"))
    await hub.bus.dispatch(m.ActivateStaff(invited.code, PASSWORD))
    with pytest.raises(UnauthenticatedError):
        await hub.bus.dispatch(m.ActivateStaff(invited.code, PASSWORD))
    with pytest.raises(ConflictError):
        await hub.bus.dispatch(m.InviteStaff(partner_id, "A@P.example"))


async def test_origin_country_authorities_and_unknown_partners_get_no_accounts() -> None:
    hub = Hub()
    authority = await hub.partner(PartnerType.AUTHORITY_ORIGIN)
    with pytest.raises(ForbiddenError):
        await hub.bus.dispatch(m.InviteStaff(authority, "x@gov.example"))
    with pytest.raises(NotFoundError):
        await hub.bus.dispatch(m.InviteStaff(uuid4(), "x@p.example"))


async def test_revocation_ends_sessions_and_sign_in() -> None:
    hub = Hub()
    invited, _ = await _member(hub)
    token = (await hub.bus.dispatch(m.SignIn("staff@partner.example", PASSWORD))).token
    await hub.bus.dispatch(m.RevokeStaff(invited.staff_id))
    assert await hub.bus.dispatch(m.ResolveSession(token, 900, 3600)) is None
    with pytest.raises(UnauthenticatedError):
        await hub.bus.dispatch(m.SignIn("staff@partner.example", PASSWORD))
    with pytest.raises(NotFoundError):
        await hub.bus.dispatch(m.RevokeStaff(uuid4()))


async def test_the_disclosure_log_names_the_staff_member() -> None:
    hub = Hub()
    partner_id = await hub.partner()
    _, _, referral_id = await hub.referral(partner_id)
    staff_id = uuid4()
    await disclose(hub.bus, partner_id, referral_id, staff_id)
    await disclose(hub.bus, partner_id, referral_id)
    assert [d["staff_id"] for d in hub.state.disclosures] == [staff_id, None]


def test_the_rate_limiter_forgets_idle_buckets_once_it_holds_many() -> None:
    from partner_gateway.fakes.rate_limits import RateLimiter

    limiter = RateLimiter(rate_per_second=1.0, capacity=2, max_keys=3)
    for key in ("a", "b", "c"):
        assert limiter.check(key, 0.0) == 0.0
    assert limiter.check("c", 0.0) == 0.0
    assert limiter.check("c", 0.0) > 0  # "c" is empty now
    limiter.check("d", 1.5)  # a, b refilled by now: forgotten; c not yet
    assert set(limiter.buckets) == {"c", "d"}
