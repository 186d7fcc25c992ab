"""One repository suite, run against the in-memory fakes and PostgreSQL (the way
pyeventsourcing/eventsourcing keeps its fakes honest).

The PostgreSQL parameter needs the shared stack (``pytest.mark.integration``); it gets a fresh
database with the gateway's migrations. Covered: partners and webhook secrets, credentials,
consents, cases, referrals, notifications (inbox, who was told), deliveries (queue, drops,
give-ups, log), notices, and the unit of work's rollback. Not covered here: the delivery
worker's lease and outcome queries (PostgreSQL only, tested in the integration folder).
"""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from hub_contracts import DataCategory, PartnerType, ProcedureStage, Purpose, ReferralStatus
from hub_contracts.envelope import Envelope
from hub_runtime.db import create_pool
from hub_runtime.migrations import apply_migrations, folder_migrations, runtime_migrations
from hub_runtime.settings import HubSettings
from partner_gateway.bootstrap import MIGRATIONS
from partner_gateway.domain.model import Referral
from partner_gateway.domain.notifications import NotificationKind
from partner_gateway.fakes import FakeUnitOfWork, GatewayState
from partner_gateway.repository.protocols import Admission
from partner_gateway.unit_of_work import GatewayUnitOfWork, PostgresUnitOfWork

Factory = Callable[[], GatewayUnitOfWork]
READY = NotificationKind.REFERRAL_READY
NOW = datetime.now(UTC)


@pytest.fixture(params=["fake", pytest.param("postgres", marks=pytest.mark.integration)])
def database(request: pytest.FixtureRequest) -> tuple[HubSettings, str] | None:
    """None for the fakes; the stack's settings and a fresh database for PostgreSQL."""
    if request.param == "fake":
        return None
    return request.getfixturevalue("hub_settings"), request.getfixturevalue("fresh_database")


@pytest.fixture
async def uow(database: tuple[HubSettings, str] | None) -> AsyncIterator[Factory]:
    """A unit of work factory over an empty store: in memory, or the gateway's migrated schema."""
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


async def _partner(u: GatewayUnitOfWork, **kw: Any) -> UUID:
    partner_id: UUID = kw.get("partner_id") or uuid4()
    await u.partners.upsert(
        partner_id,
        kw.get("partner_type", PartnerType.NGO),
        [Purpose.REINTEGRATION_SUPPORT],
        ["AF"],
        kw.get("active", True),
        date(2030, 1, 1),
        kw.get("origin", False),
    )
    return partner_id


def _referral(
    partner_id: UUID, case_id: UUID | None = None, consent_id: UUID | None = None
) -> Referral:
    return Referral(
        referral_id=uuid4(),
        case_id=case_id or uuid4(),
        partner_id=partner_id,
        partner_type=PartnerType.NGO,
        purpose=Purpose.REINTEGRATION_SUPPORT,
        data_categories=(DataCategory.IDENTITY,),
        consent_id=consent_id or uuid4(),
    )


async def _ready(u: GatewayUnitOfWork, referral: Referral, *, queued: bool = True) -> UUID:
    """A ``referral.ready`` for the referral's partner (and its webhook delivery)."""
    notification_id = uuid4()
    await u.notifications.add(
        notification_id,
        referral.partner_id,
        referral.case_id,
        str(READY),
        f'{{"n":"{notification_id}"}}',
        referral_id=referral.referral_id,
    )
    if queued:
        await u.deliveries.enqueue(notification_id, referral.partner_id)
    return notification_id


async def test_leaving_without_commit_keeps_nothing(uow: Factory) -> None:
    async with uow() as u:
        partner_id = await _partner(u)
    async with uow() as u:
        assert await u.partners.get(partner_id) is None


async def test_an_origin_authority_stays_one_whatever_comes_later(uow: Factory) -> None:
    async with uow() as u:
        partner_id = await _partner(u, partner_type=PartnerType.AUTHORITY_ORIGIN, origin=True)
        await _partner(u, partner_id=partner_id, partner_type=PartnerType.NGO, origin=False)
        await u.commit()
    async with uow() as u:
        partner = await u.partners.get(partner_id)
        assert partner is not None
        assert partner.partner_type is PartnerType.NGO
        assert partner.ever_origin_authority


async def test_webhook_rotation_keeps_every_promise_and_removal_forgets_all(uow: Factory) -> None:
    async with uow() as u:
        partner_id = await _partner(u)
        await u.partners.set_webhook(partner_id, "https://a.example/hook", "whsec_1", None, None)
        later = NOW + timedelta(hours=2)
        await u.partners.set_webhook(
            partner_id, "https://a.example/hook", "whsec_2", "whsec_1", later
        )
        # A rotation without overlap ends whsec_2 now but never shortens whsec_1's promise.
        await u.partners.set_webhook(
            partner_id, "https://a.example/hook", "whsec_3", "whsec_2", NOW
        )
        await u.commit()
    async with uow() as u:
        assert await u.partners.current_secret(partner_id) == "whsec_3"
        assert await u.partners.retired_secrets(partner_id) == ["whsec_1"]
        partner = await u.partners.get(partner_id)
        assert partner is not None
        assert partner.webhook_url == "https://a.example/hook"
        assert [b["partner_id"] for b in await u.partners.breaker_states()] == [partner_id]
        await u.partners.remove_webhook(partner_id)
        await u.commit()
    async with uow() as u:
        assert await u.partners.current_secret(partner_id) is None
        assert await u.partners.retired_secrets(partner_id) == []
        assert await u.partners.breaker_states() == []


async def test_a_withdrawal_that_overtakes_its_grant_wins(uow: Factory) -> None:
    consent_id, case_id, partner_id = uuid4(), uuid4(), uuid4()
    async with uow() as u:
        assert await u.consents.withdraw(consent_id, NOW)
        assert not await u.consents.withdraw(consent_id, NOW + timedelta(days=1))
        await u.consents.grant(
            consent_id,
            case_id,
            partner_id,
            [Purpose.REINTEGRATION_SUPPORT],
            [DataCategory.IDENTITY],
            date(2026, 1, 1),
            date(2026, 12, 31),
        )
        await u.commit()
    async with uow() as u:
        consent = await u.consents.get(consent_id)
        assert consent is not None
        assert consent.withdrawn_at == NOW
        assert consent.data_categories == frozenset({DataCategory.IDENTITY})
        assert await u.consents.is_withdrawn(consent_id)
        assert not await u.consents.is_withdrawn(uuid4())


async def test_the_case_view_keeps_stage_first_closing_day_and_erasure(uow: Factory) -> None:
    case_id = uuid4()
    async with uow() as u:
        unseen = await u.cases.view(case_id)
        assert (unseen.stage, unseen.closed, unseen.erased) == (None, False, False)
        await u.cases.close(case_id, date(2026, 3, 1))
        await u.cases.set_stage(case_id, ProcedureStage.APPEAL_PENDING)
        await u.cases.close(case_id, date(2026, 4, 1))
        assert await u.erasures.erase(case_id, NOW)
        assert not await u.erasures.erase(case_id, NOW)
        await u.commit()
    async with uow() as u:
        seen = await u.cases.view(case_id)
        assert (seen.stage, seen.closed, seen.erased) == (ProcedureStage.APPEAL_PENDING, True, True)


async def test_referrals_are_stored_once_and_move_only_from_the_given_statuses(
    uow: Factory,
) -> None:
    async with uow() as u:
        partner_id = await _partner(u)
        referral = _referral(partner_id)
        other = _referral(partner_id, case_id=referral.case_id, consent_id=referral.consent_id)
        assert await u.referrals.add(referral, ReferralStatus.APPROVED)
        assert not await u.referrals.add(referral, ReferralStatus.WITHDRAWN)
        assert await u.referrals.add(other, ReferralStatus.DECLINED)
        await u.commit()
    async with uow() as u:
        assert await u.referrals.get(referral.referral_id) == referral
        assert await u.referrals.get_for_partner(referral.referral_id, uuid4()) is None
        assert await u.referrals.get_for_partner(referral.referral_id, partner_id) == referral
        both = {referral.referral_id, other.referral_id}
        assert set(await u.referrals.under_consent(referral.consent_id)) == both
        assert set(await u.referrals.of_case(referral.case_id)) == both
        moved = await u.referrals.move(
            list(both), ReferralStatus.WITHDRAWN, only_from=[ReferralStatus.APPROVED]
        )
        assert moved == [referral.referral_id]
        assert await u.referrals.status_of(other.referral_id) is ReferralStatus.DECLINED
        await u.commit()


async def test_a_suspension_remembers_nothing_it_should_not_and_resumes_once(uow: Factory) -> None:
    async with uow() as u:
        referral = _referral(await _partner(u))
        await u.referrals.add(referral, ReferralStatus.ACCEPTED)
        rid = referral.referral_id
        assert not await u.referrals.suspend(rid, [ReferralStatus.APPROVED])
        assert await u.referrals.suspend(rid, [ReferralStatus.ACCEPTED])
        assert await u.referrals.lock_status(rid) is ReferralStatus.SUSPENDED
        assert await u.referrals.resume(rid, ReferralStatus.ACCEPTED)
        assert not await u.referrals.resume(rid, ReferralStatus.ACCEPTED)
        await u.referrals.set_status(rid, ReferralStatus.IN_PROGRESS)
        assert await u.referrals.status_of(rid) is ReferralStatus.IN_PROGRESS
        await u.commit()


async def test_the_inbox_is_in_order_after_the_cursor(uow: Factory) -> None:
    async with uow() as u:
        partner_id, other = await _partner(u), await _partner(u)
        for n in range(3):
            await u.notifications.add(uuid4(), partner_id, uuid4(), "notice.withdrawal", f"{n}")
        await u.notifications.add(uuid4(), other, uuid4(), "notice.withdrawal", "other")
        await u.commit()
    async with uow() as u:
        first = await u.notifications.inbox(partner_id, 0, 2)
        assert [e.body for e in first] == ["0", "1"]
        rest = await u.notifications.inbox(partner_id, first[-1].seq, 10)
        assert [e.body for e in rest] == ["2"]
        assert await u.notifications.inbox(partner_id, rest[-1].seq, 10) == []


async def test_told_means_a_referral_ready_or_a_disclosure_once_each(uow: Factory) -> None:
    async with uow() as u:
        a, b, c = await _partner(u), await _partner(u), await _partner(u)
        ready_twice, disclosed = _referral(a), _referral(b)
        await _ready(u, ready_twice)
        await _ready(u, ready_twice, queued=False)
        await u.disclosures.add(uuid4(), disclosed, "consent_gdpr_6_1_a")
        await u.notifications.add(uuid4(), c, uuid4(), "notice.erasure", "{}", referral_id=uuid4())
        await u.commit()
    async with uow() as u:
        told = await u.notifications.told([ready_twice.referral_id, disclosed.referral_id])
        expected = {
            (a, ready_twice.case_id, ready_twice.referral_id),
            (b, disclosed.case_id, disclosed.referral_id),
        }
        assert sorted(told) == sorted(expected)
        assert len(told) == 2
        logged = await u.disclosures.log(disclosed.referral_id, None, 10)
        assert [d["legal_basis"] for d in logged] == ["consent_gdpr_6_1_a"]


async def test_pending_referral_ready_deliveries_are_dropped_or_given_up(uow: Factory) -> None:
    async with uow() as u:
        a, b = await _partner(u), await _partner(u)
        dropped, kept = _referral(a), _referral(a)
        await _ready(u, dropped)
        await _ready(u, kept)
        await _ready(u, _referral(b))
        await u.deliveries.drop_pending([dropped.referral_id], READY, "consent_withdrawn")
        await u.deliveries.give_up_pending(b, "partner_origin_authority")
        await u.commit()
    async with uow() as u:
        log = await u.deliveries.log(None, None, 0, 10)
        assert [(d["referral_id"], d["state"], d["last_error"]) for d in log][:2] == [
            (dropped.referral_id, "dropped", "consent_withdrawn"),
            (kept.referral_id, "pending", None),
        ]
        assert log[2]["state"] == "given_up"
        assert log[2]["last_error"] == "partner_origin_authority"
        pending = await u.deliveries.log(a, "pending", 0, 10)
        assert [d["referral_id"] for d in pending] == [kept.referral_id]
        assert await u.deliveries.log(None, None, log[0]["id"], 1) == [log[1]]


async def test_withdrawal_notices_once_per_referral_suspensions_repeat(uow: Factory) -> None:
    due = NOW + timedelta(days=7)
    async with uow() as u:
        partner_id, referral_id, case_id = await _partner(u), uuid4(), uuid4()
        first, again = uuid4(), uuid4()
        assert await u.notices.add(first, case_id, partner_id, referral_id, "withdrawal", due)
        assert not await u.notices.add(again, case_id, partner_id, referral_id, "withdrawal", due)
        for _ in range(2):
            assert await u.notices.add(uuid4(), case_id, partner_id, referral_id, "suspension", due)
        overdue = uuid4()
        await u.notices.add(
            overdue, case_id, partner_id, referral_id, "erasure", NOW - timedelta(1)
        )
        await u.notices.mark_sent(first)
        await u.commit()
    async with uow() as u:
        assert await u.notices.get_for_partner(first, uuid4()) is None
        notice = await u.notices.get_for_partner(first, partner_id)
        assert notice is not None
        assert (notice.kind, notice.referral_id, notice.acknowledged_at) == (
            "withdrawal",
            referral_id,
            None,
        )
        await u.notices.acknowledge(first, NOW)
        await u.commit()
    async with uow() as u:
        listed = await u.notices.listing(False, 10)
        assert len(listed) == 4
        assert [n["notice_id"] for n in await u.notices.listing(True, 10)] == [overdue]
        acknowledged = await u.notices.get_for_partner(first, partner_id)
        assert acknowledged is not None
        assert acknowledged.acknowledged_at == NOW
        assert len(await u.notices.listing(False, 10, partner_id=partner_id)) == 4
        assert await u.notices.listing(False, 10, partner_id=uuid4()) == []


async def test_staff_invitations_are_used_once_and_sessions_end_when_idle_old_or_revoked(
    uow: Factory,
) -> None:
    async with uow() as u:
        partner_id, staff_id = await _partner(u), uuid4()
        assert await u.staff.invite(
            staff_id, partner_id, "a@p.example", b"code", NOW + timedelta(1)
        )
        assert not await u.staff.invite(uuid4(), partner_id, "a@p.example", b"c2", NOW)
        expired = uuid4()
        await u.staff.invite(expired, partner_id, "old@p.example", b"old", NOW - timedelta(1))
        await u.commit()
    async with uow() as u:
        assert await u.staff.activate(b"old", b"s", b"h", NOW) is None  # expired
        member = await u.staff.activate(b"code", b"salt", b"hash", NOW)
        assert member is not None
        assert (member.staff_id, member.password_hash, member.revoked) == (staff_id, b"hash", False)
        assert await u.staff.activate(b"code", b"s", b"h", NOW) is None  # used up
        found = await u.staff.by_email("a@p.example")
        assert found is not None
        assert found.password_salt == b"salt"
        await u.staff.start_session(b"s1", staff_id, NOW)
        await u.staff.start_session(b"s2", staff_id, NOW)
        await u.commit()
    later = NOW + timedelta(minutes=10)
    async with uow() as u:
        alive = await u.staff.touch_session(
            b"s1", later, later - timedelta(minutes=15), later - timedelta(hours=1)
        )
        assert alive is not None
        assert alive.email == "a@p.example"
        idle = await u.staff.touch_session(
            b"s2", later, later - timedelta(minutes=5), later - timedelta(hours=1)
        )
        assert idle is None  # not seen for 10 minutes: ended
        await u.commit()
    async with uow() as u:
        assert (
            await u.staff.touch_session(b"s2", later, NOW - timedelta(1), NOW - timedelta(1))
            is None
        )
        too_old = await u.staff.touch_session(b"s1", later, NOW - timedelta(1), NOW)
        assert too_old is None  # started before the absolute limit
        await u.staff.start_session(b"s3", staff_id, NOW)
        assert await u.staff.revoke(staff_id, NOW)
        assert not await u.staff.revoke(uuid4(), NOW)
        assert (
            await u.staff.touch_session(b"s3", later, NOW - timedelta(1), NOW - timedelta(1))
            is None
        )
        revoked = await u.staff.by_email("a@p.example")
        assert revoked is not None
        assert revoked.revoked
        [listed] = [r for r in await u.staff.listing(partner_id) if r["staff_id"] == staff_id]
        assert listed["revoked_at"] is not None
        assert "password_hash" not in listed
        await u.commit()


async def test_client_secrets_rotate_expire_and_die_with_their_client(uow: Factory) -> None:
    async with uow() as u:
        partner_id = await _partner(u)
        await u.credentials.add_client("pc_1", partner_id)
        old, new = uuid4(), uuid4()
        await u.credentials.add_secret(old, "pc_1", b"s1", b"h1")
        await u.commit()
    async with uow() as u:  # a later transaction: "newest first" is by creation time
        await u.credentials.expire_current("pc_1", NOW + timedelta(hours=1))
        await u.credentials.add_secret(new, "pc_1", b"s2", b"h2")
        await u.commit()
    async with uow() as u:
        assert await u.credentials.client("pc_1") == (partner_id, None)
        assert [s.secret_id for s in await u.credentials.valid_secrets("pc_1")] == [new, old]
        clients = await u.credentials.clients_of(partner_id)
        assert [(c["client_id"], c["valid_secrets"]) for c in clients] == [("pc_1", 2)]
        assert await u.credentials.admission(partner_id, "pc_1") == Admission(
            await u.partners.get(partner_id), client_revoked=False
        )
        assert await u.credentials.revoke_client("pc_1")
        assert not await u.credentials.revoke_client("pc_unknown")
        await u.commit()
    async with uow() as u:
        admitted = await u.credentials.admission(partner_id, "pc_1")
        assert admitted.client_revoked
        assert admitted.partner is not None
        assert admitted.partner.partner_id == partner_id
        assert admitted.partner == await u.partners.get(partner_id)
        # An unknown client is not revoked; a partner the directory does not hold is None.
        assert await u.credentials.admission(partner_id, "pc_unknown") == Admission(
            await u.partners.get(partner_id), client_revoked=False
        )
        assert await u.credentials.admission(uuid4(), "pc_1") == Admission(
            None, client_revoked=True
        )
        assert await u.credentials.valid_secrets("pc_1") == []
        client = await u.credentials.client("pc_1")
        assert client is not None
        assert client[1] is not None
