"""Read-your-writes across services: before a request is judged on referral's view of a case,
that view has applied every case-file event a caller could have written before it.

Referral's view of a case follows casefile's events through the outbox relay and Kafka, so it
lags casefile by a moment (more while a consumer or the broker is slow). A counsellor's tool that
records a decision in casefile and at once requests a referral must not be refused
`decision_missing` for that lag, whether or not it sends `Prefer: wait`.

How (costs nothing when the view already lets the request through):
1. the view passes the rules that depend on it -> judge at once;
2. otherwise ask casefile for the id of the newest event of the case it has committed among
   the types the view is built from (`CaseFilePositions`); a write casefile answered before
   this request is in it;
3. wait (up to `within_seconds`, polling the inbox) until our consumer has applied that event:
   the inbox row commits with the event's effect, and one case's events stay in order on one
   partition, so every earlier event of the case is in the view too;
4. judge on the view as it then stands. Casefile unreachable, or the wait ran out: judge on the
   view as it is (as before this existed), after the caller's `Prefer: wait` if it sent one.
   Casefile has never had the case: the caller answers 404 ``case_not_found`` (not 409
   ``case_not_known_yet``, which would tell a tool with a mistyped id to retry).

A write that would turn an approval into a refusal (a stage change to `appeal_pending`, an
erasure) is not waited for: the view would let the request through, and step 1 judges at once.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from hub_contracts import (
    CaseClosed,
    CaseOpened,
    DecisionRecorded,
    PersonErased,
    ProcedureStageChanged,
)
from hub_runtime.notify import Broadcast

from referral.domain.model import CaseView
from referral.unit_of_work import ReferralUnitOfWork

log = logging.getLogger(__name__)

CASE_VIEW_EVENT_TYPES: tuple[str, ...] = (
    CaseOpened.event_type,
    ProcedureStageChanged.event_type,
    DecisionRecorded.event_type,
    CaseClosed.event_type,
    PersonErased.event_type,
)
"""The casefile events the case view is built from (the consumer's handlers for them)."""

INBOX_CHANNEL = "referral_inbox"
"""NOTIFY'd when the consumer commits an inbox row (migration 0041_inbox_notify.sql)."""

UnitOfWorkFactory = Callable[[], ReferralUnitOfWork]
"""A new unit of work per call (each look at the view is its own short transaction)."""

ViewTest = Callable[[CaseView | None], bool]
"""True when the view (None: the case is not in it) lets the request through."""


class CaseFileUnavailableError(Exception):
    """Casefile did not tell where the case stands (down, timeout, unexpected answer)."""


class CaseNotInCaseFileError(Exception):
    """Casefile has never had the case: the id is wrong, not early."""


class CaseFilePositions(Protocol):
    """Where casefile stands for one case (implemented over HTTP by `casefile_client`)."""

    async def newest_event(self, case_id: UUID, event_types: Sequence[str]) -> UUID | None:
        """The envelope id of the newest committed event of the case among `event_types`,
        None when there is none; raises `CaseNotInCaseFileError` when casefile has never had
        the case, `CaseFileUnavailableError` when it does not tell."""
        ...


class Settled(enum.Enum):
    """How the view stood when the request was judged."""

    PASSED = "passed"  # the view let the request through: nothing to wait for
    CURRENT = "current"  # the view had applied every event casefile had committed for the case
    UNCONFIRMED = "unconfirmed"  # casefile did not answer, or the wait ran out
    NO_SUCH_CASE = "no_such_case"  # casefile has never had the case (the id is wrong)


@dataclass(frozen=True)
class CaseViewCatchUp:
    """Brings the case view level with casefile before a request is judged (see the module).

    `case_file` None: no casefile to ask (only `Prefer: wait` helps then)."""

    case_file: CaseFilePositions | None
    within_seconds: float = 5.0
    poll_seconds: float = 0.02
    applied: Broadcast | None = None
    """Wakes the wait when the consumer commits (NOTIFY on ``referral_inbox``); the inbox is
    then polled only every `notified_poll_seconds`, in case a notification was missed."""
    notified_poll_seconds: float = 0.5

    async def settle(
        self, uows: UnitOfWorkFactory, case_id: UUID, passes: ViewTest, *, prefer_wait: float = 0
    ) -> Settled:
        """Return once the view of `case_id` can be judged: at once when `passes(view)`; else
        after catching up with casefile (at most `within_seconds`), and, when that could not
        be confirmed, after up to `prefer_wait` seconds (RFC 7240 `Prefer: wait`) for the view
        to pass; `Settled.NO_SUCH_CASE` when casefile has never had the case. Never raises for
        casefile's sake: the caller judges the view as it stands."""
        if passes(await _view(uows, case_id)):
            return Settled.PASSED
        if self.case_file is not None:
            deadline = time.monotonic() + self.within_seconds
            try:
                newest = await asyncio.wait_for(
                    self.case_file.newest_event(case_id, CASE_VIEW_EVENT_TYPES),
                    timeout=self.within_seconds,
                )
            except CaseNotInCaseFileError:
                return Settled.NO_SUCH_CASE
            except (CaseFileUnavailableError, TimeoutError) as exc:
                log.warning(
                    "case file unavailable: judging the case view as it stands",
                    extra={"case_id": case_id, "error_type": type(exc).__name__},
                )
            else:
                if newest is None or await self._applied(uows, newest, deadline):
                    return Settled.CURRENT
                log.warning(
                    "case view still behind the case file: judging it as it stands",
                    extra={"case_id": case_id, "event_id": newest},
                )
        if prefer_wait > 0:
            await _until_passes(uows, case_id, passes, prefer_wait, self.poll_seconds)
        return Settled.UNCONFIRMED

    async def _applied(self, uows: UnitOfWorkFactory, event_id: UUID, deadline: float) -> bool:
        """Whether our consumer has applied `event_id` by `deadline` (monotonic): looked up
        again when the consumer commits (`applied`), else polled."""
        while True:
            ticket = None if self.applied is None else self.applied.ticket()
            async with uows() as uow:
                if await uow.cases.has_applied(event_id):
                    return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if self.applied is not None and ticket is not None:
                await self.applied.wait(ticket, min(left, self.notified_poll_seconds))
            else:
                await asyncio.sleep(self.poll_seconds)


NO_CATCH_UP = CaseViewCatchUp(case_file=None)
"""Judge the view as it stands (Kafka commands: the consumer's own retries wait instead)."""


async def _view(uows: UnitOfWorkFactory, case_id: UUID) -> CaseView | None:
    async with uows() as uow:
        return await uow.cases.get(case_id)


async def _until_passes(
    uows: UnitOfWorkFactory, case_id: UUID, passes: ViewTest, seconds: float, poll: float
) -> None:
    """Until the view passes, or `seconds` have passed (then the request is judged as usual)."""
    deadline = time.monotonic() + seconds
    while True:
        if passes(await _view(uows, case_id)) or time.monotonic() >= deadline:
            return
        await asyncio.sleep(max(poll, 0.05))
