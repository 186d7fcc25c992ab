"""The gateway's handlers through the message bus on the in-memory fakes (milliseconds, no stack).

Events go through the route table as the consumer calls it (`bind_events`), commands through
`MessageBus.dispatch` / `dispatch_idempotent`. The fakes are kept honest by
``test_repository_contract.py``; what the wire looks like is the integration folder's job.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI
from hub_contracts import (
    ConsentGranted,
    ConsentWithdrawn,
    DataCategory,
    DeclineReason,
    DisclosureMade,
    EventPayload,
    MonitoringOutcome,
    MonitoringReported,
    NoticeSentV2,
    PartnerRegistered,
    PartnerReportedStatus,
    PartnerStatusReportedV2,
    PartnerType,
    PersonErased,
    Purpose,
    ReferralApproved,
    ReferralStatus,
    ReferralStatusChangedV2,
    new_envelope,
)
from hub_contracts.envelope import Envelope
from hub_runtime.auth import Principal, Role, install, mint_token, verify_token
from hub_runtime.bus import IdempotencyKey, MessageBus, bind_events
from hub_runtime.crypto import Keyring
from hub_runtime.errors import (
    ConflictError,
    ForbiddenError,
    GoneError,
    NotFoundError,
    PermanentEventError,
    UnauthenticatedError,
)
from hub_runtime.http import status_of
from partner_gateway import messages as m
from partner_gateway.api import partner
from partner_gateway.casefile_client import CasefileRefusedError
from partner_gateway.clock import Clock
from partner_gateway.deps import Deps
from partner_gateway.disclosure import disclose
from partner_gateway.domain.model import Referral
from partner_gateway.fakes import FakeUnitOfWork, GatewayState
from partner_gateway.fakes.rate_limits import RateLimiter
from partner_gateway.handlers import credentials
from partner_gateway.routes import ROUTES

JWT_SECRET = "unit-test-secret-of-at-least-32-bytes!"


@dataclass
class FakeCasefile:
    """Casefile's disclosure endpoint: every consented category, plus one never consented."""

    refuse_with: int | None = None
    asked: list[UUID] = field(default_factory=list)

    async def disclose(self, referral: Referral) -> dict[str, Any]:
        self.asked.append(referral.referral_id)
        if self.refuse_with is not None:
            raise CasefileRefusedError(self.refuse_with)
        data = {str(c): {"fake": str(c)} for c in referral.data_categories}
        return {**data, "medical_needs": {"fake": "never consented"}}


class MemoryKeys:
    """An Idempotency-Key store in memory (the PostgreSQL one is the runtime's)."""

    def __init__(self, factory: Callable[[], FakeUnitOfWork]) -> None:
        self.factory = factory
        self.answers: dict[tuple[str, str], Any] = {}

    async def run_once(
        self, scope: str, key: str, request_hash: str, action: Callable[[Any], Awaitable[Any]]
    ) -> tuple[Any, bool]:
        if (scope, key) in self.answers:
            return self.answers[(scope, key)], True
        async with self.factory() as uow:
            answer = await action(uow)
            await uow.commit()
        self.answers[(scope, key)] = answer
        return answer, False


class Hub:
    """The gateway on fakes: ``bus`` for commands, ``deliver`` for events, ``outbox``."""

    def __init__(self) -> None:
        self.state = GatewayState()
        self.outbox: list[Envelope] = []
        self.casefile = FakeCasefile()
        self.deps = Deps(
            casefile=self.casefile,
            clock=Clock(),
            credential_overlap=timedelta(hours=1),
            notice_ack_due=timedelta(days=7),
            jwt_secret=JWT_SECRET,
            token_ttl_seconds=900,
            development=True,
            factor_keys=Keyring.of("partner-gateway/portal-totp", "unit-test-master-key"),
        )
        self.bus = MessageBus(
            ROUTES, self.uow, self.deps, keys=MemoryKeys(self.uow), reader=self.reader
        )
        self.events = bind_events(ROUTES, self.deps)
        self.reads = 0
        """Read-only units of work handed out (`MessageBus.read`)."""

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.state, self.outbox)

    def reader(self) -> FakeUnitOfWork:
        self.reads += 1
        return FakeUnitOfWork(self.state, self.outbox)

    async def deliver(self, payload: EventPayload, subject: UUID) -> None:
        envelope = new_envelope(payload, source="urn:test", subject=str(subject))
        async with self.uow() as uow:
            await self.events[envelope.type](uow, envelope, payload)
            await uow.commit()

    def emitted(self, kind: type[EventPayload]) -> list[Any]:
        return [e for e in self.outbox if e.type == kind.event_type]

    async def partner(self, kind: PartnerType = PartnerType.NGO, webhook: bool = False) -> UUID:
        partner_id = uuid4()
        await self.deliver(
            PartnerRegistered(
                partner_id=partner_id,
                partner_type=kind,
                purposes=[Purpose.REINTEGRATION_SUPPORT],
                countries=["AF"],
                agreement_valid_until=date.today() + timedelta(days=365),
                active=True,
            ),
            partner_id,
        )
        if webhook:
            await self.bus.dispatch(m.RegisterWebhook(partner_id, "http://127.0.0.1:9/hook"))
        return partner_id

    async def referral(self, partner_id: UUID) -> tuple[UUID, UUID, UUID]:
        """(case, consent, referral) approved for the partner, under a consent in force."""
        case_id, consent_id, referral_id = uuid4(), uuid4(), uuid4()
        categories = [DataCategory.IDENTITY, DataCategory.CONTACT]
        await self.deliver(
            ConsentGranted(
                case_id=case_id,
                consent_id=consent_id,
                partner_id=partner_id,
                purposes=[Purpose.REINTEGRATION_SUPPORT],
                data_categories=categories,
                valid_from=date.today() - timedelta(days=1),
                valid_until=date.today() + timedelta(days=90),
            ),
            case_id,
        )
        await self.deliver(self.approval(case_id, partner_id, consent_id, referral_id), case_id)
        return case_id, consent_id, referral_id

    @staticmethod
    def approval(
        case_id: UUID,
        partner_id: UUID,
        consent_id: UUID,
        referral_id: UUID,
        kind: PartnerType = PartnerType.NGO,
    ) -> ReferralApproved:
        return ReferralApproved(
            case_id=case_id,
            referral_id=referral_id,
            partner_id=partner_id,
            partner_type=kind,
            purpose=Purpose.REINTEGRATION_SUPPORT,
            data_categories=[DataCategory.IDENTITY, DataCategory.CONTACT],
            consent_id=consent_id,
        )

    async def withdraw(self, case_id: UUID, consent_id: UUID, partner_id: UUID) -> None:
        withdrawal = ConsentWithdrawn(
            case_id=case_id,
            consent_id=consent_id,
            partner_id=partner_id,
            withdrawn_at=datetime.now(UTC),
        )
        await self.deliver(withdrawal, case_id)


@pytest.fixture
def hub() -> Hub:
    return Hub()


async def test_an_approval_reaches_the_inbox_and_the_webhook_queue(hub: Hub) -> None:
    partner_id = await hub.partner(webhook=True)
    _, _, referral_id = await hub.referral(partner_id)
    page = await hub.bus.dispatch(m.ReadInbox(partner_id, 0, 10))
    assert [(i["type"], i["data"]["referral_id"]) for i in page.items] == [
        ("referral.ready", str(referral_id))
    ]
    assert [d["state"] for d in hub.state.deliveries] == ["pending"]


async def test_a_replayed_approval_tells_the_partner_once(hub: Hub) -> None:
    partner_id = await hub.partner()
    case_id, consent_id, referral_id = await hub.referral(partner_id)
    await hub.deliver(hub.approval(case_id, partner_id, consent_id, referral_id), case_id)
    assert len((await hub.bus.dispatch(m.ReadInbox(partner_id, 0, 10))).items) == 1


async def test_an_approval_for_an_origin_authority_goes_to_the_dead_letters(hub: Hub) -> None:
    partner_id = await hub.partner(PartnerType.AUTHORITY_ORIGIN)
    approval = hub.approval(uuid4(), partner_id, uuid4(), uuid4())
    with pytest.raises(PermanentEventError):
        await hub.deliver(approval, approval.case_id)
    assert hub.state.referrals == {}
    assert hub.state.notifications == []


async def test_an_approval_after_its_withdrawal_is_announced_to_nobody(hub: Hub) -> None:
    partner_id, case_id, consent_id, referral_id = await hub.partner(), uuid4(), uuid4(), uuid4()
    await hub.withdraw(case_id, consent_id, partner_id)
    await hub.deliver(hub.approval(case_id, partner_id, consent_id, referral_id), case_id)
    assert hub.state.statuses[referral_id] is ReferralStatus.WITHDRAWN
    assert hub.state.notifications == []


async def test_a_withdrawal_drops_the_webhook_and_sends_a_notice(hub: Hub) -> None:
    partner_id = await hub.partner(webhook=True)
    case_id, consent_id, _ = await hub.referral(partner_id)
    await hub.withdraw(case_id, consent_id, partner_id)
    ready, notice = hub.state.deliveries
    assert (ready["state"], ready["last_error"]) == ("dropped", "consent_withdrawn")
    assert notice["state"] == "pending"  # the notice goes out as a webhook
    assert [n["kind"] for n in hub.state.notices.values()] == ["withdrawal"]
    assert hub.emitted(NoticeSentV2) == []  # sent only once delivered
    page = await hub.bus.dispatch(m.ReadInbox(partner_id, 0, 10))
    assert [i["type"] for i in page.items] == ["notice.withdrawal"]  # the ready is left out
    await hub.withdraw(case_id, consent_id, partner_id)  # a replay: no second notice
    assert len(hub.state.notices) == 1


async def test_a_pull_partner_has_its_notice_sent_at_once(hub: Hub) -> None:
    partner_id = await hub.partner()
    case_id, consent_id, referral_id = await hub.referral(partner_id)
    await hub.withdraw(case_id, consent_id, partner_id)
    (sent,) = hub.emitted(NoticeSentV2)
    assert (sent.subject, sent.data["referral_id"]) == (str(case_id), str(referral_id))


async def test_suspension_and_resumption_follow_referral_and_tell_the_partner(hub: Hub) -> None:
    partner_id = await hub.partner()
    case_id, _, referral_id = await hub.referral(partner_id)

    async def change(from_status: ReferralStatus, to_status: ReferralStatus) -> None:
        await hub.deliver(
            ReferralStatusChangedV2(
                case_id=case_id,
                referral_id=referral_id,
                partner_id=partner_id,
                from_status=from_status,
                to_status=to_status,
            ),
            case_id,
        )

    await change(ReferralStatus.APPROVED, ReferralStatus.SUSPENDED)
    report = m.ReportStatus(partner_id, referral_id, PartnerReportedStatus.ACCEPTED, None)
    with pytest.raises(ConflictError) as refused:
        await hub.bus.dispatch(report)
    assert refused.value.code == "referral_suspended"
    await change(ReferralStatus.SUSPENDED, ReferralStatus.APPROVED)
    await change(ReferralStatus.SUSPENDED, ReferralStatus.APPROVED)  # a replay: nothing more
    kinds = [n["kind"] for n in hub.state.notices.values()]
    assert kinds == ["suspension", "resumption"]
    assert (await hub.bus.dispatch(report)).status == "accepted"


async def test_after_an_erasure_reports_get_the_gets_410_and_emit_nothing(hub: Hub) -> None:
    partner_id = await hub.partner()
    case_id, _, referral_id = await hub.referral(partner_id)
    await hub.deliver(PersonErased(case_id=case_id, erased_at=datetime.now(UTC)), case_id)
    with pytest.raises(GoneError) as fetched:
        await disclose(hub.bus, partner_id, referral_id)

    def reports(referral: UUID) -> tuple[m.ReportStatus, m.ReportMonitoring]:
        return (
            m.ReportStatus(partner_id, referral, PartnerReportedStatus.IN_PROGRESS, None),
            m.ReportMonitoring(partner_id, referral, 3, (MonitoringOutcome.SAFETY_CONCERN,)),
        )

    for report in reports(referral_id):
        with pytest.raises(GoneError) as refused:
            await hub.bus.dispatch(report)
        # The GET's own answer: one rule, one code, one status.
        assert (refused.value.code, status_of(refused.value)) == ("person_erased", 410)
        assert (refused.value.code, refused.value.reason) == (
            fetched.value.code,
            fetched.value.reason,
        )
    assert hub.emitted(PartnerStatusReportedV2) == hub.emitted(MonitoringReported) == []

    # A withdrawal alone does not stop a late answer (taken for the record) ...
    case_id, consent_id, withdrawn = await hub.referral(partner_id)
    await hub.withdraw(case_id, consent_id, partner_id)
    for report in reports(withdrawn):
        await hub.bus.dispatch(report)
    assert len(hub.emitted(PartnerStatusReportedV2)) == len(hub.emitted(MonitoringReported)) == 1
    # ... but an erasure after it does.
    await hub.deliver(PersonErased(case_id=case_id, erased_at=datetime.now(UTC)), case_id)
    for report in reports(withdrawn):
        with pytest.raises(GoneError) as refused:
            await hub.bus.dispatch(report)
        assert refused.value.code == "person_erased"
    assert len(hub.emitted(PartnerStatusReportedV2)) == len(hub.emitted(MonitoringReported)) == 1


async def test_a_status_report_follows_the_lifecycle_and_emits_once_accepted(hub: Hub) -> None:
    partner_id = await hub.partner()
    _, _, referral_id = await hub.referral(partner_id)
    decline = m.ReportStatus(
        partner_id, referral_id, PartnerReportedStatus.DECLINED, DeclineReason.NO_CAPACITY
    )
    answer = await hub.bus.dispatch(decline)
    assert (answer.status, answer.reason_code) == ("declined", "no_capacity")
    (event,) = hub.emitted(PartnerStatusReportedV2)
    assert str(event.id) == answer.event_id
    accept = m.ReportStatus(partner_id, referral_id, PartnerReportedStatus.ACCEPTED, None)
    with pytest.raises(ConflictError) as refused:
        await hub.bus.dispatch(accept)
    assert refused.value.code == "impossible_transition"
    assert len(hub.emitted(PartnerStatusReportedV2)) == 1  # the refusal emitted nothing
    assert hub.state.statuses[referral_id] is ReferralStatus.DECLINED


async def test_reports_on_another_partners_referral_are_not_found(hub: Hub) -> None:
    owner, other = await hub.partner(), await hub.partner()
    _, _, referral_id = await hub.referral(owner)
    with pytest.raises(NotFoundError):
        await hub.bus.dispatch(m.ReportMonitoring(other, referral_id, 3, ()))


async def test_a_repeated_idempotency_key_answers_the_first_answer(hub: Hub) -> None:
    partner_id = await hub.partner()
    _, _, referral_id = await hub.referral(partner_id)
    report = m.ReportStatus(partner_id, referral_id, PartnerReportedStatus.ACCEPTED, None)
    key = IdempotencyKey(f"partner:{partner_id}", "key-000001", "hash")
    first, replayed = await hub.bus.dispatch_idempotent(report, key)
    again, replayed_again = await hub.bus.dispatch_idempotent(report, key)
    assert (replayed, replayed_again) == (False, True)
    assert again == first
    assert first["status"] == "accepted"
    assert len(hub.emitted(PartnerStatusReportedV2)) == 1


async def test_a_notice_is_acknowledged_once(hub: Hub) -> None:
    partner_id = await hub.partner()
    case_id, consent_id, _ = await hub.referral(partner_id)
    await hub.withdraw(case_id, consent_id, partner_id)
    (notice_id,) = hub.state.notices
    first = await hub.bus.dispatch(m.AcknowledgeNotice(partner_id, notice_id))
    again = await hub.bus.dispatch(m.AcknowledgeNotice(partner_id, notice_id))
    assert first == again
    with pytest.raises(NotFoundError):
        await hub.bus.dispatch(m.AcknowledgeNotice(uuid4(), notice_id))


async def test_a_disclosure_passes_only_consented_categories_and_is_logged(hub: Hub) -> None:
    partner_id = await hub.partner()
    _, _, referral_id = await hub.referral(partner_id)
    body = await disclose(hub.bus, partner_id, referral_id)
    assert set(body["data"]) == {"identity", "contact"}
    assert body["legal_basis"] == "explicit_consent_gdpr_49_1_a"  # AF is outside the EEA
    (made,) = hub.emitted(DisclosureMade)
    assert made.data["referral_id"] == str(referral_id)
    logged = await hub.bus.dispatch(m.DisclosureLog(referral_id, None, 10))
    assert len(logged["items"]) == 1


async def test_the_disclosures_first_check_is_a_read(hub: Hub) -> None:
    # No transaction of its own on PostgreSQL (`MessageBus.read`); the second check and the
    # log are one unit of work that commits.
    partner_id = await hub.partner()
    _, _, referral_id = await hub.referral(partner_id)
    before = hub.reads
    await disclose(hub.bus, partner_id, referral_id)
    assert hub.reads == before + 1


async def test_every_partner_request_is_admitted_by_a_read(hub: Hub) -> None:
    partner_id = await hub.partner()
    app = FastAPI()
    install(app, JWT_SECRET)
    app.include_router(partner.router(hub.bus, RateLimiter(100.0, 100), 900))
    token = mint_token(JWT_SECRET, sub="pc_1", role=Role.PARTNER, partner_id=partner_id)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        before = hub.reads
        answer = await client.get("/partner/inbox", headers={"authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert hub.reads == before + 1


async def test_a_withdrawn_consent_is_gone_before_casefile_is_asked(hub: Hub) -> None:
    partner_id = await hub.partner()
    case_id, consent_id, referral_id = await hub.referral(partner_id)
    await hub.withdraw(case_id, consent_id, partner_id)
    with pytest.raises(GoneError):
        await disclose(hub.bus, partner_id, referral_id)
    assert hub.casefile.asked == []
    assert hub.emitted(DisclosureMade) == []


async def test_casefile_saying_gone_is_gone_and_nothing_is_logged(hub: Hub) -> None:
    partner_id = await hub.partner()
    _, _, referral_id = await hub.referral(partner_id)
    hub.casefile.refuse_with = 410
    with pytest.raises(GoneError):
        await disclose(hub.bus, partner_id, referral_id)
    assert hub.state.disclosures == []


async def test_credentials_exchange_for_a_token_until_revoked(hub: Hub) -> None:
    partner_id = await hub.partner()
    issued = await hub.bus.dispatch(m.CreateClient(partner_id))
    token = await hub.bus.dispatch(m.ExchangeToken(issued.client_id, issued.client_secret))
    principal = verify_token(JWT_SECRET, token)
    assert (principal.partner_id, principal.sub) == (partner_id, issued.client_id)
    assert await hub.bus.dispatch(m.AdmitPartner(principal)) == partner_id
    with pytest.raises(UnauthenticatedError) as wrong:
        await hub.bus.dispatch(m.ExchangeToken(issued.client_id, "pcs_wrong"))
    assert wrong.value.code == "invalid_client"
    await hub.bus.dispatch(m.RevokeClient(issued.client_id))
    with pytest.raises(UnauthenticatedError) as revoked:
        await hub.bus.dispatch(m.AdmitPartner(principal))
    assert revoked.value.code == "client_revoked"


async def test_an_unknown_client_costs_the_same_scrypt_work_as_a_known_one(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer is one ``invalid_client``; the time must not tell an unknown id either."""
    hashed: list[bytes] = []
    real = credentials.matches

    def counted(secret: str, salt: bytes, expected: bytes) -> bool:
        hashed.append(salt)
        return real(secret, salt, expected)

    monkeypatch.setattr(credentials, "matches", counted)
    issued = await hub.bus.dispatch(m.CreateClient(await hub.partner()))
    for client_id in (issued.client_id, "pc_0000000000000000"):
        with pytest.raises(UnauthenticatedError):
            await hub.bus.dispatch(m.ExchangeToken(client_id, "pcs_wrong"))
    assert len(hashed) == 2


async def test_admission_refuses_unknown_partners_and_origin_authorities(hub: Hub) -> None:
    unknown = Principal(sub="sim-1", role=Role.PARTNER, partner_id=uuid4())
    with pytest.raises(UnauthenticatedError) as refused:
        await hub.bus.dispatch(m.AdmitPartner(unknown))
    assert refused.value.code == "partner_unknown"
    origin = await hub.partner(PartnerType.AUTHORITY_ORIGIN)
    with pytest.raises(ForbiddenError) as admitted:
        await hub.bus.dispatch(
            m.AdmitPartner(Principal(sub="sim-2", role=Role.PARTNER, partner_id=origin))
        )
    assert admitted.value.code == "partner_origin_authority"
    # The same kind and code wherever the rule refuses (a webhook was a 409 before).
    with pytest.raises(ForbiddenError) as webhook:
        await hub.bus.dispatch(m.RegisterWebhook(origin, "http://127.0.0.1:9/hook"))
    assert webhook.value.code == "partner_origin_authority"
    with pytest.raises(ForbiddenError) as client:
        await hub.bus.dispatch(m.CreateClient(origin))
    assert client.value.code == "partner_origin_authority"


async def test_a_reclassified_partner_loses_its_webhook_and_pending_deliveries(hub: Hub) -> None:
    partner_id = await hub.partner(webhook=True)
    await hub.referral(partner_id)
    await hub.deliver(
        PartnerRegistered(
            partner_id=partner_id,
            partner_type=PartnerType.AUTHORITY_ORIGIN,
            purposes=[Purpose.REINTEGRATION_SUPPORT],
            countries=["AF"],
            agreement_valid_until=date.today() + timedelta(days=365),
            active=True,
        ),
        partner_id,
    )
    assert [d["state"] for d in hub.state.deliveries] == ["given_up"]
    assert hub.state.partners[partner_id].webhook_url is None


async def test_a_client_of_a_partner_later_listed_as_an_origin_authority_gets_no_token(
    hub: Hub,
) -> None:
    partner_id = await hub.partner()
    issued = await hub.bus.dispatch(m.CreateClient(partner_id))
    await hub.deliver(
        PartnerRegistered(
            partner_id=partner_id,
            partner_type=PartnerType.AUTHORITY_ORIGIN,
            purposes=[Purpose.REINTEGRATION_SUPPORT],
            countries=["AF"],
            agreement_valid_until=date.today() + timedelta(days=365),
            active=True,
        ),
        partner_id,
    )
    with pytest.raises(ForbiddenError) as refused:
        await hub.bus.dispatch(m.ExchangeToken(issued.client_id, issued.client_secret))
    # The rule's one code (the token endpoint said ``partner_refused`` before).
    assert refused.value.code == "partner_origin_authority"


async def test_a_webhook_rotation_promises_the_old_secret_for_the_overlap(hub: Hub) -> None:
    partner_id = await hub.partner()
    first = await hub.bus.dispatch(m.RegisterWebhook(partner_id, "http://127.0.0.1:9/a"))
    second = await hub.bus.dispatch(m.RegisterWebhook(partner_id, "http://127.0.0.1:9/b"))
    assert first.previous_secret_valid_until is None
    assert second.previous_secret_valid_until is not None
    assert second.previous_secret_valid_until > datetime.now(UTC) + timedelta(minutes=59)
    assert hub.state.secrets[partner_id] == second.secret
    assert list(hub.state.retired[partner_id]) == [first.secret]
