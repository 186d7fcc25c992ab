"""One repository suite, run against the in-memory fakes and against PostgreSQL: whatever a unit
test on the fakes shows, PostgreSQL does too (the pattern of pyeventsourcing/eventsourcing's
shared persistence tests).

How it works: the fixture ``open_uow`` yields a factory of signals' unit of work, once per
backend. The ``fake`` backend needs nothing; the ``postgres`` backend is marked
``integration``: it runs on the shared stack, on a fresh database with signals' migrations.
Every test speaks only the Protocols (`signals.unit_of_work.SignalsUnitOfWork`), commits
through the unit of work, and asserts what a later unit of work reads back.

Copy this file for another service: swap the two factories, keep the tests backend-blind.
"""

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hub_runtime.db import create_pool
from hub_runtime.migrations import apply_migrations, folder_migrations, runtime_migrations
from hub_runtime.settings import HubSettings
from hub_runtime.testing import temporary_databases
from signals.bootstrap import MIGRATIONS
from signals.domain.catalogue import Contribution
from signals.fakes import FakeSignalsUnitOfWork, SignalsState
from signals.repository.protocols import ReleaseExistsError
from signals.repository.staff import (
    AccountExistsError,
    ProviderSignIn,
    StaffAccount,
    StaffSession,
)
from signals.unit_of_work import PostgresSignalsUnitOfWork, SignalsUnitOfWork

Factory = Callable[[], SignalsUnitOfWork]


@pytest.fixture(params=["fake", pytest.param("postgres", marks=pytest.mark.integration)])
async def open_uow(request: pytest.FixtureRequest) -> AsyncIterator[Factory]:
    """A factory of units of work over one empty store, fake or PostgreSQL."""
    if request.param == "fake":
        state = SignalsState()
        yield lambda: FakeSignalsUnitOfWork(state, [])
        return
    hub: HubSettings = request.getfixturevalue("hub_settings")  # the shared stack's
    async with temporary_databases(hub, "signals") as names:
        pool = await create_pool(hub.pg_dsn, names["signals"])
        try:
            async with pool.acquire() as conn:
                await apply_migrations(conn, runtime_migrations() + folder_migrations(MIGRATIONS))
            yield lambda: PostgresSignalsUnitOfWork(pool, source="signals")
        finally:
            await pool.close()


def cell(table: str, **coordinates: str) -> Contribution:
    return Contribution(table, tuple(coordinates.items()))


REFUSED_X = cell("refusals_by_reason", reason="x")
REFUSED_Y = cell("refusals_by_reason", reason="y")
ACCEPTED_IOM = cell("partner_responses", status="accepted", partner_type="iom")
DECLINED_IOM = cell("partner_responses", status="declined", partner_type="iom")


async def test_a_person_counts_once_per_cell(open_uow: Factory) -> None:
    async with open_uow() as uow:
        await uow.contributions.add([("2026-01", "p1", REFUSED_X), ("2026-01", "p1", REFUSED_Y)])
        await uow.commit()
    async with open_uow() as uow:
        await uow.contributions.add([("2026-01", "p1", REFUSED_X)])  # again: left as it is
        await uow.commit()
    async with open_uow() as uow:
        cells = await uow.contributions.cells_of_people([("2026-01", "p1"), ("2026-01", "p2")])
        summary = await uow.contributions.summary()
    assert cells == {
        ("2026-01", "p1"): {("refusals_by_reason", "reason=x"), ("refusals_by_reason", "reason=y")},
        ("2026-01", "p2"): set(),
    }
    assert summary == [
        {"period": "2026-01", "table_name": "refusals_by_reason", "contributions": 2}
    ]


async def test_cell_counts_are_distinct_persons_keyed_in_the_dimensions_order(
    open_uow: Factory,
) -> None:
    async with open_uow() as uow:
        await uow.contributions.add(
            [
                ("2026-01", "p1", ACCEPTED_IOM),
                ("2026-01", "p2", ACCEPTED_IOM),
                ("2026-01", "p2", DECLINED_IOM),
                ("2026-02", "p3", ACCEPTED_IOM),  # another period
                ("2026-01", "p3", REFUSED_X),  # another table
            ]
        )
        await uow.commit()
    async with open_uow() as uow:
        counts = await uow.contributions.cell_counts(
            "2026-01", "partner_responses", ("status", "partner_type"), require_consent=False
        )
        flipped = await uow.contributions.cell_counts(
            "2026-01", "partner_responses", ("partner_type", "status"), require_consent=False
        )
    assert counts == {("accepted", "iom"): 2, ("declined", "iom"): 1}
    assert flipped == {("iom", "accepted"): 2, ("iom", "declined"): 1}


async def test_only_persons_with_a_consent_of_that_month_count_when_consent_is_required(
    open_uow: Factory,
) -> None:
    async with open_uow() as uow:
        await uow.contributions.add([("2026-01", "p1", REFUSED_X), ("2026-01", "p2", REFUSED_X)])
        await uow.consents.add([("2026-01", "p1", "c1"), ("2026-02", "p2", "c2")])
        await uow.commit()
    async with open_uow() as uow:
        required = await uow.contributions.cell_counts(
            "2026-01", "refusals_by_reason", ("reason",), require_consent=True
        )
        not_required = await uow.contributions.cell_counts(
            "2026-01", "refusals_by_reason", ("reason",), require_consent=False
        )
    assert required == {("x",): 1}
    assert not_required == {("x",): 2}


async def test_a_withdrawal_forgets_its_consents_months_from_its_month_on(
    open_uow: Factory,
) -> None:
    months = ["2026-01", "2026-02", "2026-03"]
    async with open_uow() as uow:
        await uow.contributions.add([(m, f"p-{m}", REFUSED_X) for m in months])
        await uow.consents.add([(m, f"p-{m}", "c1") for m in months])
        await uow.consents.add([("2026-03", "p-2026-03", "c2")])  # another consent stays
        await uow.commit()
    async with open_uow() as uow:
        await uow.consents.withdraw("c1", "2026-02")
        await uow.commit()
    async with open_uow() as uow:
        counted = {
            m: await uow.contributions.cell_counts(
                m, "refusals_by_reason", ("reason",), require_consent=True
            )
            for m in months
        }
    assert counted == {"2026-01": {("x",): 1}, "2026-02": {}, "2026-03": {("x",): 1}}


async def test_forgetting_a_person_removes_that_periods_rows_only(open_uow: Factory) -> None:
    async with open_uow() as uow:
        await uow.contributions.add([("2026-01", "p1", REFUSED_X), ("2026-02", "p1", REFUSED_X)])
        await uow.contributions.add([("2026-01", "p2", REFUSED_X)])
        await uow.consents.add([("2026-01", "p1", "c1"), ("2026-02", "p1", "c1")])
        await uow.commit()
    async with open_uow() as uow:
        await uow.contributions.forget_person("2026-01", "p1")
        await uow.consents.forget_person("2026-01", "p1")
        await uow.commit()
    async with open_uow() as uow:
        people = [("2026-01", "p1"), ("2026-02", "p1"), ("2026-01", "p2")]
        cells = await uow.contributions.cells_of_people(people)
        january = await uow.contributions.cell_counts(
            "2026-01", "refusals_by_reason", ("reason",), require_consent=True
        )
        february = await uow.contributions.cell_counts(
            "2026-02", "refusals_by_reason", ("reason",), require_consent=True
        )
    assert [len(cells[p]) for p in people] == [0, 1, 1]
    assert january == {}  # p2 never consented, p1's consent of January is gone
    assert february == {("x",): 1}


async def test_unpublished_periods_are_sorted_and_leave_out_published_ones(
    open_uow: Factory,
) -> None:
    async with open_uow() as uow:
        for period in ["2026-03", "2026-01", "2026-02"]:
            await uow.contributions.add([(period, "p1", REFUSED_X)])
        await uow.releases.save("2026-02", [("refusals_by_reason", {"cells": []})])
        await uow.commit()
    async with open_uow() as uow:
        assert await uow.contributions.unpublished_periods() == ["2026-01", "2026-03"]


async def test_the_first_approval_of_a_referral_is_kept(open_uow: Factory) -> None:
    first = datetime(2026, 1, 5, 10, 30, tzinfo=UTC)
    async with open_uow() as uow:
        await uow.referral_facts.save("r1", first, "iom")
        await uow.referral_facts.save("r1", datetime(2026, 1, 9, tzinfo=UTC), "return_ngo")
        await uow.commit()
    async with open_uow() as uow:
        assert await uow.referral_facts.get("r1") == (first, "iom")
        assert await uow.referral_facts.get("r2") is None


async def test_a_release_is_stored_once_and_read_back_as_json(open_uow: Factory) -> None:
    tables = [
        ("refusals_by_reason", {"cells": [{"count": 10, "suppressed": False}], "k": 10}),
        ("deadlines_missed", {"cells": [], "dimensions": ["kind"]}),
    ]
    async with open_uow() as uow:
        assert await uow.releases.get("2026-01") == {}
        await uow.releases.lock_period("2026-01")
        await uow.releases.save("2026-01", tables)
        await uow.commit()
    async with open_uow() as uow:
        with pytest.raises(ReleaseExistsError):
            await uow.releases.save("2026-01", [("refusals_by_reason", {"cells": ["other"]})])
    async with open_uow() as uow:
        stored = await uow.releases.get("2026-01")
        published = await uow.releases.published_periods()
    assert stored == dict(tables)
    assert [(p.period, p.tables) for p in published] == [
        ("2026-01", ["deadlines_missed", "refusals_by_reason"])
    ]
    assert published[0].published_at.tzinfo is not None


async def test_the_ledger_reads_back_what_was_spent_per_period(open_uow: Factory) -> None:
    async with open_uow() as uow:
        assert await uow.ledger.lock("2026-01") == {}
        await uow.ledger.record_spend("2026-01", "refusals_by_reason", 0.5)
        await uow.ledger.record_spend("2026-02", "refusals_by_reason", 0.25)
        await uow.commit()
    async with open_uow() as uow:
        assert await uow.ledger.lock("2026-01") == {"refusals_by_reason": 0.5}


async def test_nothing_stays_without_a_commit(open_uow: Factory) -> None:
    async with open_uow() as uow:
        await uow.contributions.add([("2026-01", "p1", REFUSED_X)])
        await uow.consents.add([("2026-01", "p1", "c1")])
        await uow.releases.save("2026-01", [("refusals_by_reason", {"cells": []})])
    async with open_uow() as uow:
        assert await uow.contributions.summary() == []
        assert await uow.releases.published_periods() == []
        assert await uow.contributions.unpublished_periods() == []


async def test_staff_accounts_sessions_and_failures(open_uow: Factory) -> None:
    """Issue 18: the dashboard's accounts, sessions and failed sign-ins, alike on both."""
    account = StaffAccount(uuid.UUID(int=1), "anna", "$argon2id$...", "advocacy")
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    async with open_uow() as uow:
        await uow.staff.add_account(account)
        await uow.staff.add_session(StaffSession("h1", account.account_id, "c1", at, at))
        await uow.staff.record_failure("n1", at)
        await uow.staff.record_failure("n1", at + timedelta(minutes=1))
        await uow.staff.record_failure("n2", at)
        await uow.commit()
    async with open_uow() as uow:
        with pytest.raises(AccountExistsError):
            await uow.staff.add_account(replace(account, account_id=uuid.UUID(int=2)))
        await uow.commit()
    async with open_uow() as uow:
        assert await uow.staff.account_by_username("anna") == account
        assert await uow.staff.account_by_username("bert") is None
        assert await uow.staff.account_by_id(account.account_id) == account
        since = await uow.staff.failures_since("n1", at + timedelta(seconds=30))
        assert since == [at + timedelta(minutes=1)]
        await uow.staff.clear_failures("n1")
        await uow.staff.touch_session("h1", at + timedelta(minutes=5))
        await uow.commit()
    async with open_uow() as uow:
        assert await uow.staff.failures_since("n1", at) == []
        assert await uow.staff.failures_since("n2", at) == [at]
        session = await uow.staff.session("h1")
        assert session == StaffSession(
            "h1", account.account_id, "c1", at, at + timedelta(minutes=5)
        )
        await uow.staff.end_session("h1")
        await uow.staff.end_session("h1")  # gone already: no error
        await uow.commit()
    async with open_uow() as uow:
        assert await uow.staff.session("h1") is None


async def test_provider_sessions_and_sign_ins_under_way(open_uow: Factory) -> None:
    """Issue 18: a session of a provider account (no local account), and a sign-in at the
    provider taken once; old attempts are forgotten when a new one is stored."""
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    session = StaffSession("h9", None, "c9", at, at, provider_name="dana", provider_role="advocacy")
    old = ProviderSignIn("f0", "s0", "n0", "v0", at - timedelta(hours=1))
    new = ProviderSignIn("f1", "s1", "n1", "v1", at)
    async with open_uow() as uow:
        await uow.staff.add_session(session)
        await uow.staff.add_provider_sign_in(old, at - timedelta(hours=2))
        await uow.staff.add_provider_sign_in(new, at - timedelta(minutes=10))
        await uow.commit()
    async with open_uow() as uow:
        assert await uow.staff.session("h9") == session
        assert await uow.staff.take_provider_sign_in("f0") is None  # forgotten
        assert await uow.staff.take_provider_sign_in("f1") == new
        assert await uow.staff.take_provider_sign_in("f1") is None  # taken once
        await uow.commit()
    async with open_uow() as uow:
        assert await uow.staff.take_provider_sign_in("f1") is None
