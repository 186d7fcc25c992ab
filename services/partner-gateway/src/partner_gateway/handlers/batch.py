"""The consumer's fast path: a poll batch of events in one call, with set-based writes.

Its effect is that of the event routes applied one after the other (the consumer's slow path
applies records alone through them; ``tests/integration/test_batches_match_one_by_one.py``
compares the two on PostgreSQL; ``runtime/tests/test_batches.py`` tests the loop itself).

Consecutive events that `GATHER` knows are joined into one `Run` and written with a statement
per table: consents granted, stages, approvals (with their ``referral.ready`` and deliveries),
and the status changes that change nothing here. Their effects commute with each other, and an
approval reads only facts no gathered event writes (the partner's entry, a consent withdrawal,
an erasure, a closure), so a run may be written at its end. Every event that changes those
facts (``PartnerRegistered``: an origin-authority classification gives up deliveries;
``ConsentWithdrawn``, ``PersonErased``, ``CaseClosed``; a closure, suspension or resumption)
first writes the run so far, then goes through its own event route, in its turn: the privacy
re-checks stay where they are written, once. The loop itself is `hub_runtime.batches`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from hub_contracts import (
    CaseOpened,
    ConsentGranted,
    ProcedureStage,
    ProcedureStageChanged,
    ReferralApproved,
    ReferralStatus,
    ReferralStatusChanged,
    ReferralStatusChangedV2,
)
from hub_runtime.batches import Gathered
from hub_runtime.bus import Event

from partner_gateway.deps import Deps
from partner_gateway.handlers.notices import is_followed
from partner_gateway.handlers.referrals import approve_many
from partner_gateway.repository.bulk_protocol import ConsentGrant
from partner_gateway.unit_of_work import GatewayUnitOfWork


@dataclass
class Run:
    """The effects of consecutive gathered events, in event order, written by `write`."""

    consents: list[ConsentGrant] = field(default_factory=list)
    stages: list[tuple[UUID, ProcedureStage]] = field(default_factory=list)
    approvals: list[ReferralApproved] = field(default_factory=list)

    def gather(self, event: Event[Any], deps: Deps) -> Gathered:
        """Append ``event``'s effect (`GATHER`) after this run's, or send it to its route."""
        gather = GATHER.get(event.envelope.type)
        effect = None if gather is None else gather(event)
        if effect is None:
            return Gathered.OWN_ROUTE
        self.consents += effect.consents
        self.stages += effect.stages
        self.approvals += effect.approvals
        return Gathered.JOINED

    async def write(self, uow: GatewayUnitOfWork, deps: Deps) -> None:
        """Write the run: a statement per table, none for what the run does not hold."""
        if self.consents:
            await uow.bulk.grant_consents(self.consents)
        if self.stages:
            await uow.bulk.set_stages(self.stages)
        if self.approvals:
            await approve_many(uow, self.approvals)


def of_consent_granted(event: Event[ConsentGranted]) -> Run:
    """`directory.on_consent_granted`."""
    p = event.payload
    grant = ConsentGrant(
        p.consent_id,
        p.case_id,
        p.partner_id,
        tuple(p.purposes),
        tuple(p.data_categories),
        p.valid_from,
        p.valid_until,
    )
    return Run(consents=[grant])


def of_case_opened(event: Event[CaseOpened]) -> Run:
    """`directory.on_case_opened`."""
    return Run(stages=[(event.payload.case_id, event.payload.stage)])


def of_stage_changed(event: Event[ProcedureStageChanged]) -> Run:
    """`directory.on_stage_changed`."""
    return Run(stages=[(event.payload.case_id, event.payload.to_stage)])


def of_referral_approved(event: Event[ReferralApproved]) -> Run:
    """`referrals.on_referral_approved` (see `referrals.approve_many`)."""
    return Run(approvals=[event.payload])


def of_status_changed_v1(event: Event[ReferralStatusChanged]) -> Run | None:
    """Nothing, unless `notices.on_status_changed_v1` would act (then None: its own route)."""
    to_status = ReferralStatus(event.payload.to_status.value)
    return None if is_followed(None, to_status) else Run()


def of_status_changed_v2(event: Event[ReferralStatusChangedV2]) -> Run | None:
    """Nothing, unless `notices.on_status_changed_v2` would act (then None: its own route)."""
    p = event.payload
    return None if is_followed(p.from_status, p.to_status) else Run()


Gather = Callable[[Event[Any]], Run | None]
"""``gather(event) -> Run``: an event's effect, computed without the database; None when the
event must go through its own event route."""

GATHER: Mapping[str, Gather] = {
    ConsentGranted.event_type: of_consent_granted,
    CaseOpened.event_type: of_case_opened,
    ProcedureStageChanged.event_type: of_stage_changed,
    ReferralApproved.event_type: of_referral_approved,
    ReferralStatusChanged.event_type: of_status_changed_v1,
    ReferralStatusChangedV2.event_type: of_status_changed_v2,
}
"""Event types that may join a `Run`, by CloudEvents type."""
