"""The portal's account security through the bus on the fakes: a partner's lead manages only
the partner's own staff (audited), password-reset links, and the optional second factor
(TOTP: enrolment confirmed by a first code, the code asked at sign-in, each code once, the
secret sealed, removed by the lead)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pyotp
import pytest
from hub_runtime.errors import (
    ConflictError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    UnauthenticatedError,
)
from partner_gateway import messages as m
from partner_gateway import staff_messages as sm

from .test_handlers_bus import Hub

PASSWORD = "a long enough password"
NEW_PASSWORD = "another long password"


async def _account(hub: Hub, partner_id: UUID, email: str, *, lead: bool = False) -> UUID:
    invited = await hub.bus.dispatch(m.InviteStaff(partner_id, email, lead=lead))
    await hub.bus.dispatch(m.ActivateStaff(invited.code, PASSWORD))
    return invited.staff_id


async def _signed_in(hub: Hub, email: str, password: str = PASSWORD) -> str:
    signed = await hub.bus.dispatch(m.SignIn(email, password))
    assert not signed.second_factor_due
    return signed.token


async def _alive(hub: Hub, token: str) -> bool:
    return await hub.bus.dispatch(m.ResolveSession(token, 900, 3600)) is not None


async def test_a_lead_invites_and_revokes_the_partners_own_staff_and_both_are_audited() -> None:
    hub = Hub()
    partner_id = await hub.partner()
    lead_id = await _account(hub, partner_id, "lead@p.example", lead=True)
    lead = m.Actor("lead", lead_id)
    invited = await hub.bus.dispatch(m.InviteStaff(partner_id, "New@P.example", by=lead))
    await hub.bus.dispatch(m.ActivateStaff(invited.code, PASSWORD))
    token = await _signed_in(hub, "new@p.example")
    session = await hub.bus.dispatch(m.ResolveSession(token, 900, 3600))
    assert session is not None
    assert not session.lead
    await hub.bus.dispatch(m.RevokeStaff(invited.staff_id, by=lead))
    assert not await _alive(hub, token)  # its session ended at once
    audit = await hub.bus.dispatch(sm.ReadStaffAudit(partner_id))
    assert [(a.action, a.actor_kind, a.actor_staff_id, a.staff_id) for a in audit] == [
        ("invited", "admin", None, lead_id),
        ("invited", "lead", lead_id, invited.staff_id),
        ("revoked", "lead", lead_id, invited.staff_id),
    ]


async def test_a_lead_never_reaches_another_partners_staff() -> None:
    hub = Hub()
    ours, theirs = await hub.partner(), await hub.partner()
    lead = m.Actor("lead", await _account(hub, ours, "lead@ours.example", lead=True))
    other = await _account(hub, theirs, "staff@theirs.example")
    for message in (
        m.RevokeStaff(other, by=lead),
        sm.IssuePasswordReset(other, by=lead),
        sm.ResetSecondFactor(other, by=lead),
        m.RevokeStaff(uuid4(), by=lead),  # an unknown id: the same answer
    ):
        with pytest.raises(NotFoundError) as refused:
            await hub.bus.dispatch(message)
        assert refused.value.code == "staff_not_found"
    with pytest.raises(ForbiddenError, match="own partner"):
        await hub.bus.dispatch(m.InviteStaff(theirs, "x@theirs.example", by=lead))
    with pytest.raises(ForbiddenError):  # a lead does not make leads
        await hub.bus.dispatch(m.InviteStaff(ours, "x@ours.example", lead=True, by=lead))
    assert await _signed_in(hub, "staff@theirs.example")  # untouched
    audit = await hub.bus.dispatch(sm.ReadStaffAudit(theirs))
    assert [(a.action, a.actor_kind) for a in audit] == [("invited", "admin")]


async def test_a_member_is_no_lead_and_a_lead_does_not_revoke_the_lead_itself() -> None:
    hub = Hub()
    partner_id = await hub.partner()
    member = m.Actor("lead", await _account(hub, partner_id, "m@p.example"))
    target = await _account(hub, partner_id, "t@p.example")
    with pytest.raises(ForbiddenError) as refused:
        await hub.bus.dispatch(m.RevokeStaff(target, by=member))
    assert refused.value.code == "lead_only"
    lead_id = await _account(hub, partner_id, "lead@p.example", lead=True)
    with pytest.raises(ConflictError):
        await hub.bus.dispatch(m.RevokeStaff(lead_id, by=m.Actor("lead", lead_id)))
    await hub.bus.dispatch(m.RevokeStaff(lead_id))  # the admin may; a revoked lead may not act
    with pytest.raises(ForbiddenError):
        await hub.bus.dispatch(m.RevokeStaff(target, by=m.Actor("lead", lead_id)))


async def test_a_reset_link_sets_a_new_password_once_and_ends_every_session() -> None:
    hub = Hub()
    partner_id = await hub.partner()
    staff_id = await _account(hub, partner_id, "s@p.example")
    lead = m.Actor("lead", await _account(hub, partner_id, "lead@p.example", lead=True))
    token = await _signed_in(hub, "s@p.example")
    issued = await hub.bus.dispatch(sm.IssuePasswordReset(staff_id, by=lead))
    assert issued.code not in repr(issued)
    assert issued.code not in repr(hub.state.staff)  # only its hash is kept
    with pytest.raises(InvalidError):
        await hub.bus.dispatch(sm.ResetPassword(issued.code, "short"))
    assert await _alive(hub, token)  # a refused reset changes nothing
    assert await hub.bus.dispatch(sm.ResetPassword(issued.code, NEW_PASSWORD)) == staff_id
    assert not await _alive(hub, token)
    with pytest.raises(UnauthenticatedError):
        await hub.bus.dispatch(m.SignIn("s@p.example", PASSWORD))
    assert await _signed_in(hub, "s@p.example", NEW_PASSWORD)
    with pytest.raises(UnauthenticatedError) as used:
        await hub.bus.dispatch(sm.ResetPassword(issued.code, NEW_PASSWORD))
    assert used.value.code == "reset_invalid"
    actions = [a.action for a in await hub.bus.dispatch(sm.ReadStaffAudit(partner_id))]
    assert actions[-2:] == ["password_reset_issued", "password_reset_used"]


async def test_an_expired_reset_link_and_one_for_an_unactivated_account_are_refused() -> None:
    hub = Hub()
    partner_id = await hub.partner()
    staff_id = await _account(hub, partner_id, "s@p.example")
    issued = await hub.bus.dispatch(sm.IssuePasswordReset(staff_id))
    hub.state.staff[staff_id]["reset_expires_at"] = datetime.now(UTC) - timedelta(seconds=1)
    with pytest.raises(UnauthenticatedError, match="not valid"):
        await hub.bus.dispatch(sm.ResetPassword(issued.code, NEW_PASSWORD))
    waiting = await hub.bus.dispatch(m.InviteStaff(partner_id, "w@p.example"))
    with pytest.raises(ConflictError) as refused:
        await hub.bus.dispatch(sm.IssuePasswordReset(waiting.staff_id))
    assert refused.value.code == "staff_not_active"


async def _enrolled(hub: Hub, staff_id: UUID) -> str:
    enrolment = await hub.bus.dispatch(sm.StartEnrolment(staff_id))
    assert enrolment is not None
    assert enrolment.uri.startswith("otpauth://totp/")
    assert "secret=" in enrolment.uri
    assert enrolment.qr_svg.startswith("<svg")
    assert "<path" in enrolment.qr_svg
    with pytest.raises(InvalidError):
        await hub.bus.dispatch(sm.ConfirmEnrolment(staff_id, "12345"))
    await hub.bus.dispatch(sm.ConfirmEnrolment(staff_id, pyotp.TOTP(enrolment.secret).now()))
    assert await hub.bus.dispatch(sm.StartEnrolment(staff_id)) is None  # enrolled
    return enrolment.secret


async def test_with_a_second_factor_sign_in_asks_for_a_code_used_once() -> None:
    hub = Hub()
    partner_id = await hub.partner()
    staff_id = await _account(hub, partner_id, "s@p.example")
    secret = await _enrolled(hub, staff_id)
    row = hub.state.staff[staff_id]
    assert secret.encode() not in row["totp_sealed"]  # sealed at rest
    signed = await hub.bus.dispatch(m.SignIn("s@p.example", PASSWORD))
    assert signed.second_factor_due
    assert not await _alive(hub, signed.token)  # not a session before the code
    with pytest.raises(UnauthenticatedError) as wrong:
        await hub.bus.dispatch(sm.VerifySecondFactor(signed.token, "000000"))
    assert wrong.value.code == "bad_code"
    with pytest.raises(UnauthenticatedError):  # the enrolment's code, replayed
        await hub.bus.dispatch(sm.VerifySecondFactor(signed.token, pyotp.TOTP(secret).now()))
    following = pyotp.TOTP(secret).at(time.time() + 30)  # the next step: within the drift
    session = await hub.bus.dispatch(sm.VerifySecondFactor(signed.token, following))
    assert await _alive(hub, session)
    with pytest.raises(UnauthenticatedError) as ended:  # the waiting cookie is worthless now
        await hub.bus.dispatch(sm.VerifySecondFactor(signed.token, following))
    assert ended.value.code == "session_expired"
    again = await hub.bus.dispatch(m.SignIn("s@p.example", PASSWORD))
    with pytest.raises(UnauthenticatedError):  # that code was used
        await hub.bus.dispatch(sm.VerifySecondFactor(again.token, following))


async def test_the_lead_removes_a_lost_second_factor_and_its_sessions_end() -> None:
    hub = Hub()
    partner_id = await hub.partner()
    staff_id = await _account(hub, partner_id, "s@p.example")
    lead = m.Actor("lead", await _account(hub, partner_id, "lead@p.example", lead=True))
    secret = await _enrolled(hub, staff_id)
    signed = await hub.bus.dispatch(m.SignIn("s@p.example", PASSWORD))
    code = pyotp.TOTP(secret).at(time.time() + 30)
    session = await hub.bus.dispatch(sm.VerifySecondFactor(signed.token, code))
    listed = await hub.bus.dispatch(m.ListStaff(partner_id))
    assert [x["second_factor"] for x in listed if x["staff_id"] == staff_id] == [True]
    await hub.bus.dispatch(sm.ResetSecondFactor(staff_id, by=lead))
    assert not await _alive(hub, session)
    assert await _signed_in(hub, "s@p.example")  # the password alone, until enrolled again
    actions = [a.action for a in await hub.bus.dispatch(sm.ReadStaffAudit(partner_id))]
    assert actions[-2:] == ["factor_enrolled", "factor_reset"]


async def test_a_sealed_secret_does_not_open_for_another_account() -> None:
    from hub_runtime.crypto import DecryptionError
    from partner_gateway.domain import totp

    hub = Hub()
    version, sealed = totp.seal(hub.deps.factor_keys, "JBSWY3DPEHPK3PXP", uuid4())
    with pytest.raises(DecryptionError):
        totp.unseal(hub.deps.factor_keys, version, sealed, uuid4())
