"""The gates' one read (issue 16: one query instead of four) gives what the four separate reads
give, in memory and on PostgreSQL (the same two-sided suite as ``test_repository_contract``)."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from hub_contracts import DataCategory, PartnerType, ProcedureStage, Purpose, ReferralStatus
from hub_contracts.envelope import Envelope
from hub_runtime.db import create_pool
from hub_runtime.migrations import apply_migrations, folder_migrations, runtime_migrations
from hub_runtime.settings import HubSettings
from partner_gateway.bootstrap import MIGRATIONS
from partner_gateway.domain.model import GateFacts, Referral
from partner_gateway.fakes import FakeUnitOfWork, GatewayState
from partner_gateway.unit_of_work import GatewayUnitOfWork, PostgresUnitOfWork

Factory = Callable[[], GatewayUnitOfWork]


@pytest.fixture(params=["fake", pytest.param("postgres", marks=pytest.mark.integration)])
def database(request: pytest.FixtureRequest) -> tuple[HubSettings, str] | None:
    """None for the fakes; the stack's settings and a fresh database for PostgreSQL."""
    if request.param == "fake":
        return None
    return request.getfixturevalue("hub_settings"), request.getfixturevalue("fresh_database")


@pytest.fixture
async def uow(database: tuple[HubSettings, str] | None) -> AsyncIterator[Factory]:
    if database is None:
        state, outbox = GatewayState(), list[Envelope]()
        yield lambda: FakeUnitOfWork(state, outbox)
        return
    hub, name = database
    pool = await create_pool(hub.pg_dsn, name)
    async with pool.acquire() as conn:
        await apply_migrations(conn, runtime_migrations() + folder_migrations(MIGRATIONS))
    yield lambda: PostgresUnitOfWork(pool)
    await pool.close()


async def _separately(u: GatewayUnitOfWork, referral: Referral) -> GateFacts:
    return GateFacts(
        await u.partners.get(referral.partner_id),
        await u.consents.get(referral.consent_id),
        await u.cases.view(referral.case_id),
        await u.referrals.status_of(referral.referral_id),
    )


def _referral() -> Referral:
    return Referral(
        referral_id=uuid4(),
        case_id=uuid4(),
        partner_id=uuid4(),
        partner_type=PartnerType.NGO,
        purpose=Purpose.REINTEGRATION_SUPPORT,
        data_categories=(DataCategory.IDENTITY,),
        consent_id=uuid4(),
    )


async def test_nothing_seen_yet_is_nothing(uow: Factory) -> None:
    referral = _referral()
    async with uow() as u:
        facts = await u.referrals.gate_facts(referral)
        assert facts == GateFacts(None, None, facts.case, None)
        assert (facts.case.stage, facts.case.closed, facts.case.erased) == (None, False, False)
        assert facts == await _separately(u, referral)


async def test_one_read_gives_what_four_reads_give(uow: Factory) -> None:
    referral = _referral()
    withdrawn_at = datetime(2026, 5, 1, 12, tzinfo=UTC)
    async with uow() as u:
        await u.partners.upsert(
            referral.partner_id,
            PartnerType.NGO,
            [Purpose.REINTEGRATION_SUPPORT],
            ["AF", "PK"],
            True,
            date(2030, 1, 1),
            False,
        )
        await u.consents.grant(
            referral.consent_id,
            referral.case_id,
            referral.partner_id,
            [Purpose.REINTEGRATION_SUPPORT],
            [DataCategory.IDENTITY, DataCategory.CONTACT],
            date(2026, 1, 1),
            date(2026, 12, 31),
        )
        await u.cases.set_stage(referral.case_id, ProcedureStage.APPEAL_PENDING)
        await u.referrals.add(referral, ReferralStatus.APPROVED)
        await u.commit()
    async with uow() as u:
        first = await u.referrals.gate_facts(referral)
        assert first == await _separately(u, referral)
        assert first.partner is not None
        assert first.partner.countries == frozenset({"AF", "PK"})
        assert first.consent is not None
        assert first.consent.withdrawn_at is None
        assert first.status is ReferralStatus.APPROVED
        # what the gates must see at once: a withdrawal, a closing day, an erasure
        await u.consents.withdraw(referral.consent_id, withdrawn_at)
        await u.cases.close(referral.case_id, date(2026, 6, 1))
        await u.erasures.erase(referral.case_id, withdrawn_at)
        await u.referrals.set_status(referral.referral_id, ReferralStatus.WITHDRAWN)
        after = await u.referrals.gate_facts(referral)
        assert after == await _separately(u, referral)
        assert after.consent is not None
        assert after.consent.withdrawn_at == withdrawn_at
        assert (after.case.closed, after.case.erased) == (True, True)
        assert after.status is ReferralStatus.WITHDRAWN
