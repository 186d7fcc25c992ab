"""One repository suite, run on the in-memory fakes and on PostgreSQL (the way
pyeventsourcing/eventsourcing keeps its fakes honest): what handlers rely on holds on both."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from hub_contracts import Decision, PartnerType, ProcedureStage, Vulnerability
from hub_contracts.envelope import Envelope
from hub_runtime.db import create_pool
from hub_runtime.errors import ConflictError
from hub_runtime.migrations import apply_migrations, folder_migrations, runtime_migrations
from hub_runtime.testing import temporary_databases
from referral.bootstrap import MIGRATIONS
from referral.domain.model import Status
from referral.fakes import FakeUnitOfWork, State
from referral.repository import OpenReferralExistsError, Review
from referral.repository.command_receipts import CommandReceipt
from referral.unit_of_work import ReferralUnitOfWork, unit_of_work_factory

from ._builders import EVIDENCE, NOW, TODAY, case, consent, partner, referral

Uows = Callable[[], ReferralUnitOfWork]


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.integration)])
async def uows(request: pytest.FixtureRequest) -> AsyncIterator[Uows]:
    if request.param == "memory":
        state, outbox = State(), list[Envelope]()
        yield lambda: FakeUnitOfWork(state, outbox)
        return
    hub = request.getfixturevalue("hub_settings")
    async with temporary_databases(hub, "db") as names:
        pool = await create_pool(hub.pg_dsn, names["db"])
        try:
            async with pool.acquire() as conn:
                await apply_migrations(conn, runtime_migrations() + folder_migrations(MIGRATIONS))
            yield unit_of_work_factory(pool)
        finally:
            await pool.close()


async def committed(uows: Uows, action: Callable[[ReferralUnitOfWork], Any]) -> Any:
    async with uows() as uow:
        result = await action(uow)
        await uow.commit()
    return result


async def test_partners_keep_the_origin_authority_flag_and_their_order(uows: Uows) -> None:
    b, a = partner(name="B"), partner(name="A", partner_type=PartnerType.AUTHORITY_ORIGIN)
    async with uows() as uow:
        await uow.partners.add(b)
        await uow.partners.add(a)
        assert [p.name for p in await uow.partners.list_all()] == ["A", "B"]
        stored = await uow.partners.get(a.partner_id)
        assert stored is not None
        assert stored.ever_origin_authority
        assert await uow.partners.replace(replace(b, active=False, ever_origin_authority=False))
        assert not await uow.partners.replace(partner())  # unknown
        again = await uow.partners.get(b.partner_id, for_update=True)
        assert again is not None
        assert not again.active
        await uow.commit()


async def test_a_partner_keeps_its_description_and_its_id_is_added_once(uows: Uows) -> None:
    """The HSDS import names its ids: a second add of one id is a conflict, not a crash."""
    p = partner(description="Assisted return,\nreintegration.")
    await committed(uows, lambda uow: uow.partners.add(p))
    async with uows() as uow:
        assert await uow.partners.get(p.partner_id) == p
        with pytest.raises(ConflictError) as refused:
            await uow.partners.add(replace(p, name="other"))
        assert refused.value.code == "partner_added_concurrently"
        assert await uow.partners.replace(replace(p, description=None))
        assert await uow.partners.get(p.partner_id) == replace(p, description=None)


async def test_the_case_view_changes_only_known_cases(uows: Uows) -> None:
    c = case(vulnerabilities=frozenset({Vulnerability.MEDICAL}))
    async with uows() as uow:
        assert await uow.cases.add(c)
        assert not await uow.cases.add(c)
        assert not await uow.cases.set_stage(uuid.uuid4(), ProcedureStage.APPEAL_PENDING)
        assert await uow.cases.mark_erased(c.case_id, NOW)
        erased = await uow.cases.get(c.case_id)
        assert erased is not None
        assert erased.erased
        assert erased.vulnerabilities == frozenset()
        assert await uow.cases.mark_closed(c.case_id, TODAY)
        assert not await uow.cases.has_applied(uuid.uuid4())
        await uow.commit()


async def test_many_cases_open_and_are_decided_at_once(uows: Uows) -> None:
    known = case(
        vulnerabilities=frozenset({Vulnerability.MEDICAL, Vulnerability.TRAFFICKING_VICTIM})
    )
    first = case(has_minors=True)
    again = replace(first, has_minors=False, stage=ProcedureStage.APPEAL_PENDING)
    async with uows() as uow:
        assert await uow.cases.add(known)
        assert await uow.cases.add_many([]) == []
        assert await uow.cases.add_many([known, first, again]) == [False, True, False]
        assert await uow.cases.get(first.case_id) == first  # the first opening is kept
        assert await uow.cases.get(known.case_id) == known
        unknown = uuid.uuid4()
        decisions = {first.case_id: Decision.UNDECIDED, unknown: Decision.IRREGULAR_STAY}
        assert await uow.cases.set_decisions(decisions) == {first.case_id}
        assert await uow.cases.set_decisions({}) == set()
        assert await uow.cases.get(first.case_id) == replace(first, decision=Decision.UNDECIDED)
        assert await uow.cases.get(unknown) is None


async def test_leaving_without_a_commit_keeps_nothing(uows: Uows) -> None:
    c = case()
    async with uows() as uow:
        await uow.cases.add(c)
    async with uows() as uow:
        assert await uow.cases.get(c.case_id) is None


async def test_a_consent_is_withdrawn_once(uows: Uows) -> None:
    p, c = partner(), case()
    first, second = consent(c.case_id, p.partner_id), consent(c.case_id, p.partner_id)
    await committed(uows, lambda uow: uow.partners.add(p))
    for made in (first, second):  # one transaction each: created_at orders them
        await committed(uows, lambda uow, c=made: uow.consents.add(c, EVIDENCE, "s", sealed=b"x"))
    async with uows() as uow:
        assert await uow.consents.get(first.consent_id) == first
        assert {x.consent_id for x in await uow.consents.of_case(c.case_id)} == {
            first.consent_id,
            second.consent_id,
        }
        assert await uow.consents.mark_withdrawn(first.consent_id, NOW, "staff-2")
        assert not await uow.consents.mark_withdrawn(first.consent_id, NOW, "staff-3")
        record = await uow.consents.record(first.consent_id)
        assert record is not None
        assert (record["withdrawn_by"], record["taken_by"]) == ("staff-2", "counsellor-7")
        assert record["evidence_sealed"] == b"x"
        rows = await uow.consents.records(c.case_id)
        assert [r["consent_id"] for r in rows] == [first.consent_id, second.consent_id]
        await uow.commit()


async def test_one_open_referral_per_case_partner_and_purpose(uows: Uows) -> None:
    p, c = partner(), case()
    first = referral(c.case_id, p.partner_id)
    async with uows() as uow:
        await uow.partners.add(p)
        await uow.referrals.add(first, "staff-1", NOW)
        with pytest.raises(OpenReferralExistsError) as refused:
            await uow.referrals.add(referral(c.case_id, p.partner_id), "staff-1", NOW)
        assert refused.value.existing == first.referral_id
        open_one = await uow.referrals.open_for(
            c.case_id, p.partner_id, first.purpose, [Status.REQUESTED]
        )
        assert open_one == first.referral_id
        assert await uow.referrals.cases_with_referrals_to(p.partner_id, [Status.REQUESTED]) == [
            c.case_id
        ]
        await uow.commit()


async def test_a_status_moves_once_and_a_suspension_remembers_where_it_was(uows: Uows) -> None:
    p, c = partner(), case()
    r = referral(c.case_id, p.partner_id)
    later = NOW + timedelta(hours=1)
    async with uows() as uow:
        await uow.partners.add(p)
        await uow.referrals.add(r, "staff-1", NOW)
        assert await uow.referrals.set_status(r, Status.APPROVED, NOW, reasons=[])
        assert not await uow.referrals.set_status(r, Status.REFUSED, NOW)  # read as requested
        approved = replace(r, status=Status.APPROVED)
        assert await uow.referrals.unanswered_since(later, 10) == [approved]
        assert await uow.referrals.set_status(approved, Status.SUSPENDED, NOW, reason_code="x")
        suspended = await uow.referrals.get(r.referral_id)
        assert suspended is not None
        assert suspended.suspended_from is Status.APPROVED
        assert await uow.referrals.unanswered_since(later, 10) == []  # never expires
        assert await uow.referrals.set_status(suspended, Status.APPROVED, later)
        assert await uow.referrals.unanswered_since(later, 10) == []  # answer time restarted
        record = await uow.referrals.record(r.referral_id)
        assert record is not None
        assert (record["approved_at"], record["resumed_at"]) == (NOW, later)
        assert [h["to_status"] for h in record["history"]] == [
            "requested",
            "approved",
            "suspended",
            "approved",
        ]
        await uow.commit()


async def test_reviews_and_lapsed_consents(uows: Uows) -> None:
    p, c = partner(), case()
    old = consent(
        c.case_id,
        p.partner_id,
        valid_from=TODAY - timedelta(days=10),
        valid_until=TODAY - timedelta(days=1),
    )
    r = referral(c.case_id, p.partner_id, old.consent_id)
    async with uows() as uow:
        await uow.partners.add(p)
        await uow.cases.add(c)
        await uow.consents.add(old, EVIDENCE, "staff-1", sealed=b"s")
        await uow.referrals.add(r, "staff-1", NOW)
        open_statuses = [Status.REQUESTED, Status.APPROVED]
        lapsed = await uow.referrals.cases_with_lapsed_inputs(TODAY, open_statuses, None, 10)
        assert lapsed == [c.case_id]
        assert (
            await uow.referrals.cases_with_lapsed_inputs(TODAY, open_statuses, c.case_id, 10) == []
        )
        review = Review(r.referral_id, "approve", [], b"reason", "coordinator-1", NOW)
        await uow.referrals.add_review(review)
        record = await uow.referrals.record(r.referral_id)
        assert record is not None
        assert record["review"]["reviewed_by"] == "coordinator-1"
        assert [x["referral_id"] for x in await uow.referrals.records(c.case_id)] == [r.referral_id]
        await uow.commit()


async def test_a_shredded_case_key_stays_shredded(uows: Uows) -> None:
    case_id = uuid.uuid4()
    async with uows() as uow:
        assert await uow.case_keys.get(case_id) == (False, None, None)
        await uow.case_keys.add(case_id, b"wrapped", 1)
        assert await uow.case_keys.get(case_id) == (True, b"wrapped", 1)
        await uow.case_keys.shred(case_id, NOW)
        await uow.case_keys.add(case_id, b"again", 1)
        assert await uow.case_keys.get(case_id) == (True, None, None)
        # A rotation never brings a shredded key back.
        assert not await uow.case_keys.rewrap(case_id, 1, b"rewrapped", 2)
        assert await uow.case_keys.get(case_id) == (True, None, None)
        await uow.commit()


async def test_a_rotation_rewraps_live_keys_of_older_versions(uows: Uows) -> None:
    old, new, shredded = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with uows() as uow:
        await uow.case_keys.add(old, b"old", 1)
        await uow.case_keys.add(new, b"new", 2)
        await uow.case_keys.add(shredded, b"gone", 1)
        await uow.case_keys.shred(shredded, NOW)
        todo = await uow.case_keys.to_rewrap(2, 1000)
        assert todo.get(old) == (b"old", 1)
        assert new not in todo
        assert shredded not in todo
        assert await uow.case_keys.rewrap(old, 1, b"old-under-2", 2)
        assert not await uow.case_keys.rewrap(old, 1, b"twice", 2)  # already moved on
        assert await uow.case_keys.get(old) == (True, b"old-under-2", 2)
        assert old not in await uow.case_keys.to_rewrap(2, 1000)
        await uow.commit()


async def test_command_receipts_are_kept_once_per_command_in_order(uows: Uows) -> None:
    case_id, other_case = uuid.uuid4(), uuid.uuid4()
    first, second = (
        CommandReceipt(
            command_id=uuid.uuid4(),
            command_type="council.referral.GrantConsentCommand.v1",
            case_id=case_id,
            staff_login=login,
            staff_role="counsellor",
            tool="counsellor-desk",
            kafka_principal="User:tools",
        )
        for login in ("counsellor-7", "counsellor-9")
    )
    await committed(uows, lambda uow: uow.command_receipts.record(first))
    async with uows() as uow:  # a replayed command changes nothing; another case is apart
        await uow.command_receipts.record(replace(first, staff_login="someone-else"))
        await uow.command_receipts.record(second)
        await uow.command_receipts.record(
            replace(second, command_id=uuid.uuid4(), case_id=other_case)
        )
        await uow.commit()
    async with uows() as uow:
        stored = await uow.command_receipts.of_case(case_id)
    assert [replace(r, applied_at=None) for r in stored] == [first, second]
    first_at, second_at = (r.applied_at for r in stored)
    assert first_at is not None
    assert second_at is not None
    assert first_at < second_at
