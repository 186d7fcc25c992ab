"""One handler per event type signals reads (every version still in the topics).

``async def on_<event>(event, uow, deps) -> None``: the event's effect in the unit of work the
consumer opened; it never commits. A refusal (`signals.errors.NotAggregatedError`,
`SubjectMismatchError`) sends the event to the dead letters; nothing of it is stored.
The batch route (`hub_runtime.batches` over `signals.handlers.door.Run`) must have the effect
of these applied one after the other.
"""

from hub_contracts import (
    BottleneckObserved,
    ConsentGranted,
    ConsentWithdrawn,
    DeadlinePassed,
    DeadlinePassedV2,
    DeclineReason,
    MonitoringReported,
    PartnerStatusReported,
    PartnerStatusReportedV2,
    PersonErased,
    ReferralApproved,
    ReferralRefused,
    ReferralRefusedV2,
    ReferralRefusedV3,
)
from hub_runtime.bus import Event

from signals.deps import Deps
from signals.domain import catalogue
from signals.domain.periods import period_of
from signals.domain.pseudonyms import consent_token, person_token, referral_token
from signals.handlers import door
from signals.handlers.door import Run
from signals.unit_of_work import SignalsUnitOfWork


async def on_bottleneck_observed(
    event: Event[BottleneckObserved], uow: SignalsUnitOfWork, deps: Deps
) -> None:
    """Count the person in the bottleneck tables of the month observed (`door.of_bottleneck`)."""
    await door.write(uow, deps, door.of_bottleneck(event, deps))


async def on_deadline_passed_v1(
    event: Event[DeadlinePassed], uow: SignalsUnitOfWork, deps: Deps
) -> None:
    """Count a missed time limit in the month of its due date (`door.of_deadline_v1`)."""
    await door.write(uow, deps, door.of_deadline_v1(event, deps))


async def on_deadline_passed_v2(
    event: Event[DeadlinePassedV2], uow: SignalsUnitOfWork, deps: Deps
) -> None:
    """Count a missed time limit in the month of the event (`door.of_deadline_v2`)."""
    await door.write(uow, deps, door.of_deadline_v2(event, deps))


async def on_referral_refused_v1_v2(
    event: Event[ReferralRefused | ReferralRefusedV2], uow: SignalsUnitOfWork, deps: Deps
) -> None:
    """Count a refusal by its reasons' codes (`door.of_refusal_v1_v2`)."""
    await door.write(uow, deps, door.of_refusal_v1_v2(event, deps))


async def on_referral_refused_v3(
    event: Event[ReferralRefusedV3], uow: SignalsUnitOfWork, deps: Deps
) -> None:
    """Count a refusal by its codes (`door.of_refusal_v3`)."""
    await door.write(uow, deps, door.of_refusal_v3(event, deps))


async def on_monitoring_reported(
    event: Event[MonitoringReported], uow: SignalsUnitOfWork, deps: Deps
) -> None:
    """Count post-return monitoring outcomes (`door.of_monitoring`)."""
    await door.write(uow, deps, door.of_monitoring(event, deps))


async def on_consent_granted(
    event: Event[ConsentGranted], uow: SignalsUnitOfWork, deps: Deps
) -> None:
    """Record the months a reporting consent covers (`door.of_consent_granted`)."""
    await door.write(uow, deps, door.of_consent_granted(event, deps))


async def on_consent_withdrawn(
    event: Event[ConsentWithdrawn], uow: SignalsUnitOfWork, deps: Deps
) -> None:
    """From the month of withdrawal on, the person no longer counts through this consent
    (another consent may still cover anonymous reporting); published periods stay as they are."""
    consent = consent_token(deps.key, event.payload.consent_id)
    await uow.consents.withdraw(consent, period_of(event.payload.withdrawn_at.date()))


async def on_person_erased(event: Event[PersonErased], uow: SignalsUnitOfWork, deps: Deps) -> None:
    """Remove the person from every period not yet published (releases are anonymous and stay).

    Right to erasure: GDPR Art. 17; published releases hold no personal data (Recital 26)."""
    for period in await uow.contributions.unpublished_periods():
        token = person_token(deps.key, period, event.payload.case_id)
        await uow.contributions.forget_person(period, token)
        await uow.consents.forget_person(period, token)


async def on_referral_approved(
    event: Event[ReferralApproved], uow: SignalsUnitOfWork, deps: Deps
) -> None:
    """Keep the approval's time and partner type, under a referral token, for the partner's
    later answers (their type and response time)."""
    token = referral_token(deps.key, event.payload.referral_id)
    await uow.referral_facts.save(token, event.envelope.time, str(event.payload.partner_type))


async def on_partner_status_reported_v1(
    event: Event[PartnerStatusReported], uow: SignalsUnitOfWork, deps: Deps
) -> None:
    """Count a partner's answer; v1's open reason code becomes a closed `DeclineReason`
    (itself when it is one, else ``other``: the open pattern could carry a name)."""
    reason = catalogue.decline_reason(event.payload.reason_code)
    await _partner_status(event, reason, uow, deps)


async def on_partner_status_reported_v2(
    event: Event[PartnerStatusReportedV2], uow: SignalsUnitOfWork, deps: Deps
) -> None:
    """Count a partner's answer with its closed reason code."""
    await _partner_status(event, event.payload.reason_code, uow, deps)


async def _partner_status(
    event: Event[PartnerStatusReported] | Event[PartnerStatusReportedV2],
    reason: DeclineReason | None,
    uow: SignalsUnitOfWork,
    deps: Deps,
) -> None:
    """The answer by partner type and, for a first answer, days since approval (both
    ``unknown`` when the approval was not seen), in the month it was reported."""
    payload = event.payload
    fact = await uow.referral_facts.get(referral_token(deps.key, payload.referral_id))
    approved_at, partner_type = fact if fact is not None else (None, None)
    cells = door.refuse_unknown(
        lambda: catalogue.from_partner_status(
            payload.status, partner_type, approved_at, payload.reported_at, reason
        )
    )
    period = door.event_period(payload.reported_at.date(), deps)
    person = door.person_cells(event.envelope, payload.case_id, period, cells)
    await door.write(uow, deps, Run(people=[person]))
