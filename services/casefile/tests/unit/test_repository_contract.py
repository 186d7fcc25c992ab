"""One suite, two implementations: casefile's repositories in memory (`casefile.fakes`) and in
PostgreSQL (a fresh database with every migration; marked ``integration``, it needs the
stack). The fakes are honest as long as both pass."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from casefile.bootstrap import MIGRATIONS
from casefile.domain.crypto import Sealed
from casefile.domain.model import Case
from casefile.fakes import CasefileState, FakeUnitOfWork
from casefile.repository.history import DateCorrection
from casefile.repository.timeline import TimelineEntry
from casefile.repository.views import ConsentWithdrawal
from casefile.unit_of_work import CasefileUnitOfWork
from hub_contracts.privacy import ConsentFacts, PartnerFacts
from hub_contracts.vocabulary import (
    DataCategory,
    LocationType,
    PartnerType,
    ProcedureStage,
    Purpose,
    Region,
)
from hub_runtime.db import create_pool
from hub_runtime.migrations import apply_migrations, folder_migrations, runtime_migrations
from hub_runtime.testing import temporary_databases

Store = Callable[[], AbstractAsyncContextManager[Any]]
DAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 4, 12, tzinfo=UTC)


@pytest.fixture(params=["fake", pytest.param("postgres", marks=pytest.mark.integration)])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    """A factory of units of work over one empty casefile database."""
    if request.param == "fake":
        state: CasefileState = CasefileState()
        yield lambda: FakeUnitOfWork(state, [])
        return
    hub = request.getfixturevalue("hub_settings")
    async with temporary_databases(hub, "db") as names:
        pool = await create_pool(hub.pg_dsn, names["db"])
        async with pool.acquire() as conn:
            await apply_migrations(conn, runtime_migrations() + folder_migrations(MIGRATIONS))
        try:
            yield lambda: CasefileUnitOfWork(pool)
        finally:
            await pool.close()


def a_case(**changes: Any) -> Case:
    values: dict[str, Any] = {
        "case_id": uuid4(),
        "country_of_origin": "SY",
        "region": Region.OOST,
        "location_type": LocationType.AZC,
        "stage": ProcedureStage.APPEAL_PENDING,
        "vulnerabilities": (),
        "household_size": 1,
        "has_minors": False,
        "opened_on": DAY,
        "opened_by": "alice",
    }
    return Case(**(values | changes))


async def with_case(store: Store, **changes: Any) -> Case:
    case = a_case(**changes)
    async with store() as uow:
        await uow.cases.add(case)
        await uow.commit()
    return case


async def test_a_case_is_stored_changed_closed_and_erased(store: Store) -> None:
    case = await with_case(store)
    async with store() as uow:
        got = await uow.cases.get(case.case_id, lock=True)
        assert got is not None
        assert (got.stage, got.opened_on, got.is_closed) == (case.stage, DAY, False)
        await uow.cases.set_stage(case.case_id, ProcedureStage.FINAL_REJECTION)
        await uow.cases.close(case.case_id, DAY)
        await uow.commit()
    async with store() as uow:
        assert await uow.cases.due_for_erasure(DAY + timedelta(days=1), 10) == [case.case_id]
        assert await uow.cases.due_for_erasure(DAY, 10) == []
        await uow.cases.mark_erased(case.case_id, NOW)
        await uow.commit()
    async with store() as uow:
        got = await uow.cases.get(case.case_id)
        assert got is not None
        assert (got.stage, got.is_erased, got.closed_on) == (
            ProcedureStage.FINAL_REJECTION,
            True,
            DAY,
        )
        assert await uow.cases.get(uuid4()) is None


async def test_leaving_without_commit_rolls_back(store: Store) -> None:
    case = a_case()
    async with store() as uow:
        await uow.cases.add(case)
    async with store() as uow:
        assert await uow.cases.get(case.case_id) is None


async def test_current_dates_follow_the_newest_correction(store: Store) -> None:
    case = await with_case(store)
    decision, stage = uuid4(), uuid4()
    async with store() as uow:
        await uow.history.add_decision(case.case_id, decision, "undecided", DAY, "alice")
        await uow.history.add_stage_change(
            case.case_id, stage, ProcedureStage.APPEAL_PENDING, ProcedureStage.FINAL_REJECTION,
            DAY, "alice",
        )  # fmt: skip
        for on in (DAY - timedelta(days=3), DAY - timedelta(days=2)):
            await uow.history.add_correction(
                DateCorrection(uuid4(), case.case_id, decision, "decision", DAY, on, "other", "bob")
            )
        await uow.commit()
    async with store() as uow:
        (d,) = await uow.history.decisions(case.case_id)
        (s,) = await uow.history.stage_changes(case.case_id)
        assert (d.entry_id, d.decided_on, d.originally_decided_on) == (
            decision, DAY - timedelta(days=2), DAY)  # fmt: skip
        assert (s.entry_id, s.decided_on, s.to_stage) == (stage, DAY, "final_rejection")
        assert [c.corrected_on for c in await uow.history.corrections(case.case_id)] == [
            DAY - timedelta(days=3), DAY - timedelta(days=2)]  # fmt: skip


async def test_erasure_keeps_only_the_listed_material_codes_in_order(store: Store) -> None:
    case, other = await with_case(store), await with_case(store)
    given = [["entry_ban", "zarina_probeperson", "legal_aid"], ["other"], []]
    async with store() as uow:
        for case_id, materials in [(case.case_id, m) for m in given] + [(other.case_id, ["x"])]:
            await uow.history.add_options(
                case_id, options=["irregular_stay"], language="ar", interpreter_used=False,
                materials=materials, discussed_on=DAY, by="alice",
            )  # fmt: skip
        await uow.commit()
    async with store() as uow:
        listed = ("entry_ban", "legal_aid", "other")
        assert await uow.history.drop_unlisted_materials(case.case_id, listed) == 1
        await uow.commit()
    async with store() as uow:
        talks = await uow.history.options_discussed(case.case_id)
        assert [t["materials"] for t in talks] == [["entry_ban", "legal_aid"], ["other"], []]
        assert [t["options"] for t in talks] == [["irregular_stay"]] * 3
        (untouched,) = await uow.history.options_discussed(other.case_id)
        assert untouched["materials"] == ["x"]


async def test_timeline_entries_have_ids_and_an_event_is_added_once(store: Store) -> None:
    case = await with_case(store)
    event_id = uuid4()
    entries = [
        TimelineEntry(uuid4(), case.case_id, NOW, "case_opened", "casefile", {"stage": "x"}),
        TimelineEntry(uuid4(), case.case_id, NOW + timedelta(seconds=1), "consent_granted",
                      "urn:referral", {"a": [1]}, event_id),
        TimelineEntry(uuid4(), case.case_id, NOW + timedelta(seconds=2), "consent_granted",
                      "urn:referral", {"a": [2]}, event_id),
    ]  # fmt: skip
    async with store() as uow:
        for entry in entries:
            await uow.timeline.add(entry)
        await uow.commit()
    async with store() as uow:
        assert await uow.timeline.of_case(case.case_id) == entries[:2]
        assert await uow.timeline.get(case.case_id, entries[0].entry_id) == entries[0]
        assert await uow.timeline.get(uuid4(), entries[0].entry_id) is None


async def test_many_timeline_entries_at_once_keep_their_order(store: Store) -> None:
    case = await with_case(store)
    event_id = uuid4()
    entries = [
        TimelineEntry(
            uuid4(),
            case.case_id,
            NOW,
            "referral_approved",
            "referral",
            {"n": n},
            uuid4() if n != 2 else event_id,
        )
        for n in range(4)
    ] + [TimelineEntry(uuid4(), case.case_id, NOW, "referral_approved", "referral", {}, event_id)]
    async with store() as uow:
        await uow.timeline.add_many([])
        await uow.timeline.add_many(entries)
        await uow.commit()
    async with store() as uow:  # equal times: insertion order; the repeated event id once
        assert await uow.timeline.of_case(case.case_id) == entries[:4]


async def test_many_consent_changes_and_partners_apply_in_order(store: Store) -> None:
    case = await with_case(store)
    partner = PartnerFacts(
        uuid4(),
        PartnerType.AUTHORITY_ORIGIN,
        active=True,
        ever_origin_authority=True,
        purposes=frozenset({Purpose.REINTEGRATION_SUPPORT}),
        has_agreement=False,
        agreement_valid_until=None,
    )
    later = replace(partner, partner_type=PartnerType.NGO, ever_origin_authority=False)
    first = ConsentFacts(
        uuid4(),
        case.case_id,
        partner.partner_id,
        frozenset({Purpose.RETURN_COUNSELLING}),
        frozenset({DataCategory.IDENTITY}),
        DAY,
        DAY + timedelta(days=90),
        None,
    )
    regranted = replace(first, categories=frozenset({DataCategory.CONTACT}))
    withdrawal = ConsentWithdrawal(first.consent_id, case.case_id, partner.partner_id, NOW)
    later_withdrawal = replace(withdrawal, at=NOW + timedelta(hours=1))
    async with store() as uow:
        await uow.views.change_consents([first, withdrawal, regranted, later_withdrawal])
        await uow.views.upsert_partners([partner, later])
        consent = await uow.views.consent(first.consent_id)
        stored_partner = await uow.views.partner(partner.partner_id)
    assert consent == replace(regranted, withdrawn_at=NOW)  # the first withdrawal stays
    assert stored_partner == replace(later, ever_origin_authority=True)  # never unset


async def test_deadlines_are_replaced_noticed_once_and_deleted(store: Store) -> None:
    case = await with_case(store)
    first, second = uuid4(), uuid4()
    async with store() as uow:
        await uow.deadlines.add(first, case.case_id, "departure_period", DAY, None)
        await uow.deadlines.cancel(case.case_id, "departure_period", NOW)
        await uow.deadlines.add(second, case.case_id, "departure_period", DAY, None)
        assert await uow.deadlines.record_notice(second, "scheduled", uuid4())
        assert not await uow.deadlines.record_notice(second, "scheduled", uuid4())
        await uow.commit()
    week = DAY  # a Monday; DAY is due within it
    async with store() as uow:
        (live,) = await uow.deadlines.of_case(case.case_id)
        assert (live.deadline_id, live.sent) == (second, frozenset())
        (claimed,) = await uow.deadlines.claim_weekly(week, week + timedelta(days=6), 10)
        assert claimed.deadline_id == second
        await uow.deadlines.record_notice(second, "approaching_week", uuid4())
        assert await uow.deadlines.claim_weekly(week, week + timedelta(days=6), 10) == []
        await uow.deadlines.delete_for_case(case.case_id)
        assert await uow.deadlines.of_case(case.case_id) == []


async def test_a_notice_is_carried_to_the_deadline_that_replaces_it(store: Store) -> None:
    case = await with_case(store)
    first, second, third = uuid4(), uuid4(), uuid4()
    async with store() as uow:
        await uow.deadlines.add(first, case.case_id, "departure_period", DAY, None)
        assert await uow.deadlines.record_notice(first, "passed", uuid4())
        await uow.deadlines.cancel(case.case_id, "departure_period", NOW)
        await uow.deadlines.add(second, case.case_id, "departure_period", DAY, None)
        assert not await uow.deadlines.carry_notice(first, second, "approaching_week")
        assert await uow.deadlines.carry_notice(first, second, "passed")
        assert not await uow.deadlines.carry_notice(first, second, "passed")
        await uow.commit()
    async with store() as uow:
        (live,) = await uow.deadlines.of_case(case.case_id)
        assert (live.deadline_id, live.sent) == (second, frozenset({"passed"}))
        assert not await uow.deadlines.carry_notice(third, second, "passed")
        assert (
            await uow.deadlines.claim_weekly(DAY + timedelta(days=7), DAY + timedelta(days=13), 10)
            == []
        )


async def test_sealed_fields_and_the_key(store: Store) -> None:
    case = await with_case(store)
    sealed = Sealed(b"n" * 12, b"cipher")
    async with store() as uow:
        await uow.persons.add_key(case.case_id, sealed, 1)
        await uow.persons.put_fields(case.case_id, {"identity": sealed, "contact": sealed})
        await uow.persons.delete_fields_except(case.case_id, ["identity"])
        assert set(await uow.persons.fields(case.case_id)) == {"identity"}
        assert await uow.persons.fields(case.case_id, ["contact"]) == {}
        assert await uow.persons.claim_not_nfc(10) == []
        assert await uow.persons.destroy_key(case.case_id)
        assert await uow.persons.key(case.case_id) is None
        assert not await uow.persons.destroy_key(case.case_id)


async def test_a_withdrawal_seen_first_keeps_the_grant_dead(store: Store) -> None:
    case = await with_case(store)
    consent = ConsentFacts(
        uuid4(),
        case.case_id,
        uuid4(),
        frozenset({Purpose.RETURN_COUNSELLING}),
        frozenset({DataCategory.IDENTITY}),
        DAY,
        DAY + timedelta(days=90),
        None,
    )
    async with store() as uow:
        await uow.views.withdraw_consent(consent.consent_id, case.case_id, consent.partner_id, NOW)
        await uow.views.upsert_consent(consent)
        got = await uow.views.consent(consent.consent_id)
        assert got is not None
        assert (got.withdrawn_at, got.categories) == (NOW, consent.categories)


async def test_the_disclosure_reads_consent_and_partner_in_one_query_as_two(store: Store) -> None:
    case = await with_case(store)
    partner = PartnerFacts(
        uuid4(),
        PartnerType.NGO,
        active=True,
        ever_origin_authority=False,
        purposes=frozenset({Purpose.RETURN_COUNSELLING}),
        has_agreement=True,
        agreement_valid_until=DAY + timedelta(days=365),
    )
    consent = ConsentFacts(
        uuid4(),
        case.case_id,
        partner.partner_id,
        frozenset({Purpose.RETURN_COUNSELLING}),
        frozenset({DataCategory.IDENTITY, DataCategory.CONTACT}),
        DAY,
        DAY + timedelta(days=90),
        None,
    )
    async with store() as uow:
        assert await uow.views.consent_and_partner(uuid4(), uuid4()) == (None, None)
        await uow.views.upsert_partner(partner)
        await uow.views.upsert_consent(consent)
        both = await uow.views.consent_and_partner(consent.consent_id, partner.partner_id)
        assert both == (consent, partner)
        assert both == (
            await uow.views.consent(consent.consent_id),
            await uow.views.partner(partner.partner_id),
        )
        await uow.views.withdraw_consent(consent.consent_id, case.case_id, partner.partner_id, NOW)
        withdrawn, _ = await uow.views.consent_and_partner(consent.consent_id, partner.partner_id)
        assert withdrawn is not None
        assert withdrawn.withdrawn_at == NOW


async def test_the_blind_index_one_open_case_per_digest(store: Store) -> None:
    first, second, closed = await with_case(store), await with_case(store), await with_case(store)
    digest, other = b"d" * 32, b"e" * 32
    async with store() as uow:
        for case in (first, second, closed):
            await uow.persons.add_key(case.case_id, Sealed(b"n" * 12, b"k"), 1)
        await uow.cases.close(closed.case_id, DAY)
        assert await uow.persons.claim_index(first.case_id, digest) is None
        assert await uow.persons.claim_index(second.case_id, digest) == first.case_id
        assert await uow.persons.claim_index(first.case_id, digest) is None  # its own: kept
        await uow.commit()
    async with store() as uow:
        assert await uow.persons.index_rows() == 1
        # Open cases with a key and no row; every open one; after a case id.
        assert await uow.persons.cases_to_index(None, 10, every=False) == [second.case_id]
        both = sorted([first.case_id, second.case_id], key=str)
        assert await uow.persons.cases_to_index(None, 10, every=True) == both
        assert await uow.persons.cases_to_index(both[0], 10, every=True) == both[1:]
        assert await uow.persons.claim_index(first.case_id, other) is None  # moved
        assert await uow.persons.claim_index(second.case_id, digest) is None  # now free
        await uow.persons.drop_index(first.case_id)
        assert await uow.persons.index_rows() == 1
