"""The staff store's second factor, reset links, waiting sign-ins and audit: one suite on the
fakes and on PostgreSQL (the fixtures of `test_repository_contract`)."""

from datetime import timedelta
from uuid import uuid4

from partner_gateway.repository.staff_protocol import AuditEntry, SealedFactor

from .test_repository_contract import NOW, Factory, _partner, database, uow  # noqa: F401

LATER = NOW + timedelta(minutes=1)


async def test_a_pending_secret_becomes_the_factor_and_a_step_is_used_once(uow: Factory) -> None:  # noqa: F811
    async with uow() as u:
        partner_id, staff_id = await _partner(u), uuid4()
        await u.staff.invite(staff_id, partner_id, "s@p.example", b"i", NOW + timedelta(1))
        await u.staff.activate(b"i", b"salt", b"hash", NOW)
        assert not await u.staff.confirm_totp(staff_id, 10)  # nothing pending
        await u.staff.set_totp_pending(staff_id, b"sealed", 1)
        assert await u.staff.confirm_totp(staff_id, 10)
        member = await u.staff.get(staff_id)
        assert member is not None
        assert (member.totp, member.totp_pending, member.totp_key_version) == (b"sealed", None, 1)
        assert member.totp_last_step == 10
        await u.staff.start_session(b"wait", staff_id, NOW, second_factor_due=True)
        # a waiting sign-in is no session, and touching it does not end it
        assert (
            await u.staff.touch_session(b"wait", LATER, NOW - timedelta(1), NOW - timedelta(1))
            is None
        )
        waiting = await u.staff.pending_second_factor(b"wait", NOW - timedelta(minutes=5))
        assert waiting is not None
        assert waiting.staff_id == staff_id
        assert not await u.staff.complete_second_factor(b"wait", b"s1", staff_id, 10, LATER)
        await u.commit()
    async with uow() as u:
        assert await u.staff.complete_second_factor(b"wait", b"s1", staff_id, 11, LATER)
        assert await u.staff.pending_second_factor(b"wait", NOW - timedelta(minutes=5)) is None
        alive = await u.staff.touch_session(b"s1", LATER, NOW - timedelta(1), NOW - timedelta(1))
        assert alive is not None
        assert await u.staff.clear_totp(staff_id)
        cleared = await u.staff.get(staff_id)
        assert cleared is not None
        assert (cleared.totp, cleared.totp_last_step) == (None, None)
        assert (
            await u.staff.touch_session(b"s1", LATER, NOW - timedelta(1), NOW - timedelta(1))
            is None
        )
        [listed] = await u.staff.listing(partner_id)
        assert (listed["role"], listed["second_factor"]) == ("member", False)
        await u.commit()


async def test_a_reset_link_is_used_once_before_it_expires_and_ends_sessions(uow: Factory) -> None:  # noqa: F811
    async with uow() as u:
        partner_id, staff_id, waiting = await _partner(u), uuid4(), uuid4()
        await u.staff.invite(
            staff_id, partner_id, "s@p.example", b"i", NOW + timedelta(1), lead=True
        )
        await u.staff.invite(waiting, partner_id, "w@p.example", b"w", NOW + timedelta(1))
        assert not await u.staff.issue_reset(waiting, b"r0", NOW + timedelta(1))  # not activated
        await u.staff.activate(b"i", b"salt", b"hash", NOW)
        assert await u.staff.issue_reset(staff_id, b"old", NOW - timedelta(seconds=1))
        assert await u.staff.use_reset(b"old", b"s", b"h", NOW) is None  # expired
        assert await u.staff.issue_reset(staff_id, b"r1", NOW + timedelta(1))
        await u.staff.start_session(b"s1", staff_id, NOW)
        member = await u.staff.use_reset(b"r1", b"salt2", b"hash2", NOW)
        assert member is not None
        assert (member.password_hash, member.lead) == (b"hash2", True)
        assert await u.staff.use_reset(b"r1", b"s", b"h", NOW) is None  # used up
        assert (
            await u.staff.touch_session(b"s1", LATER, NOW - timedelta(1), NOW - timedelta(1))
            is None
        )
        await u.staff.revoke(staff_id, NOW)
        assert not await u.staff.issue_reset(staff_id, b"r2", NOW + timedelta(1))  # revoked
        entry = AuditEntry("revoked", "admin", None, staff_id, partner_id)
        await u.staff.audit(entry, NOW)
        assert await u.staff.audit_of(partner_id) == [entry]
        assert await u.staff.audit_of(uuid4()) == []
        await u.commit()


async def test_sealed_factors_under_an_old_key_are_listed_and_resealed(uow: Factory) -> None:  # noqa: F811
    async with uow() as u:
        partner_id = await _partner(u)
        enrolled, pending, without = uuid4(), uuid4(), uuid4()
        for n, staff_id in enumerate((enrolled, pending, without)):
            token = f"i{n}".encode()
            await u.staff.invite(staff_id, partner_id, f"s{n}@p.example", token, NOW + timedelta(1))
            await u.staff.activate(token, b"salt", b"hash", NOW)
        await u.staff.set_totp_pending(enrolled, b"old-sealed", 1)
        assert await u.staff.confirm_totp(enrolled, 10)
        await u.staff.set_totp_pending(pending, b"old-pending", 1)
        await u.commit()
    async with uow() as u:
        assert await u.staff.factor_versions() == {1: 2}
        assert await u.staff.factors_to_reseal(1, 10) == []
        found = await u.staff.factors_to_reseal(2, 10)
        assert sorted((f.staff_id, f.totp, f.totp_pending) for f in found) == sorted(
            [(enrolled, b"old-sealed", None), (pending, None, b"old-pending")]
        )
        assert len(await u.staff.factors_to_reseal(2, 1)) == 1
        for f in found:
            await u.staff.reseal_factor(
                SealedFactor(f.staff_id, 2, f.totp and b"new", f.totp_pending and b"new-p")
            )
        await u.commit()
    async with uow() as u:
        assert await u.staff.factor_versions() == {2: 2}
        assert await u.staff.factors_to_reseal(2, 10) == []
        member = await u.staff.get(enrolled)
        assert member is not None
        assert (member.totp, member.totp_key_version, member.totp_last_step) == (b"new", 2, 10)
