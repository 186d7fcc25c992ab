"""The door: where an event's case id becomes a per-period person token and goes no further.

An event that only adds contributions or consent months is *gathered* into a `Run` by a pure
function (`GATHER`, no database), and a run is written by `write`: many events' runs can be
joined and written at once (the batch route) or one at a time (the event routes), with the
same effect. Events that read or delete what earlier events wrote are not gathered: see
`signals.handlers.events`.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from hub_contracts import (
    BottleneckObserved,
    ConsentGranted,
    DeadlinePassed,
    DeadlinePassedV2,
    Envelope,
    MonitoringReported,
    Purpose,
    ReferralRefused,
    ReferralRefusedV2,
    ReferralRefusedV3,
    RefusalCode,
)
from hub_runtime.batches import Gathered
from hub_runtime.bus import Event

from signals.deps import Deps
from signals.domain import catalogue
from signals.domain.catalogue import Contribution, NotAllowedError
from signals.domain.periods import (
    InvalidPeriodError,
    check_plausible_month,
    period_of,
    periods_between,
)
from signals.domain.pseudonyms import consent_token, person_token
from signals.errors import NotAggregatedError, SubjectMismatchError
from signals.repository.protocols import ConsentRow, ContributionRow
from signals.unit_of_work import SignalsUnitOfWork

EVENT_CLOCK_SLACK = timedelta(days=1)
"""How far an event's day may lie ahead of this service's clock: a producer's local date (or
clock) can be a day ahead at midnight, and such an event is fine."""


@dataclass(frozen=True)
class PersonCells:
    """What one event says about one person: the cells they join in one period."""

    case_id: UUID
    period: str
    cells: list[Contribution]


@dataclass
class Run:
    """Contributions and consent months of consecutive events, written together by `write`.

    These effects commute with each other except for the per-person cap, which `write` keeps
    by admitting cells in event order."""

    people: list[PersonCells] = field(default_factory=list)
    consents: list[ConsentRow] = field(default_factory=list)

    def extend(self, other: "Run") -> None:
        """Append ``other``'s effects after this run's (event order is kept)."""
        self.people += other.people
        self.consents += other.consents

    def gather(self, event: Event[Any], deps: Deps) -> Gathered:
        """For the batch loop (`hub_runtime.batches`): append ``event``'s effect if `GATHER`
        knows its type, else send it to its own route. Raises as `GATHER`'s functions do."""
        gather = GATHER.get(event.envelope.type)
        if gather is None:
            return Gathered.OWN_ROUTE
        self.extend(gather(event, deps))
        return Gathered.JOINED

    async def write(self, uow: SignalsUnitOfWork, deps: Deps) -> None:
        """`write` this run (for the batch loop)."""
        await write(uow, deps, self)


async def write(uow: SignalsUnitOfWork, deps: Deps, run: Run) -> None:
    """Write a run: consent months, then each person's new cells up to the per-person cap
    (`catalogue.admit`), people locked in sorted order so concurrent batches never deadlock."""
    if run.consents:
        await uow.consents.add(run.consents)
    if not run.people:
        return
    keyed = [(p.period, person_token(deps.key, p.period, p.case_id), p) for p in run.people]
    people = [(period, token) for period, token, _ in keyed]
    await uow.contributions.lock_people(people)
    joined = await uow.contributions.cells_of_people(people)
    cap = deps.settings.max_cells_per_person
    rows: list[ContributionRow] = []
    for period, token, person in keyed:
        existing = joined[(period, token)]
        admitted = catalogue.admit(existing, person.cells, cap)
        existing.update((c.table, c.cell_key) for c in admitted)
        rows += [(period, token, c) for c in admitted]
    if rows:
        await uow.contributions.add(rows)


def of_bottleneck(event: Event[BottleneckObserved], deps: Deps) -> Run:
    """A bottleneck: its category by stage, region, location type (and country, if allowed),
    in the month it was observed."""
    allow = deps.settings.allow_country_of_origin
    cells = refuse_unknown(lambda: catalogue.from_bottleneck(event.payload, allow))
    return _person(event, event_period(event.payload.observed_on, deps), cells)


def of_deadline_v1(event: Event[DeadlinePassed], deps: Deps) -> Run:
    """A missed time limit (v1, old records): counted in the month of its due date."""
    cells = refuse_unknown(lambda: catalogue.from_deadline(event.payload))
    return _person(event, event_period(event.payload.due_date, deps), cells)


def of_deadline_v2(event: Event[DeadlinePassedV2], deps: Deps) -> Run:
    """A missed time limit (v2): it carries no date (it could be a child's 18th birthday), so
    it counts in the month of the event, i.e. when casefile saw the deadline pass."""
    cells = refuse_unknown(lambda: catalogue.from_deadline(event.payload))
    return _person(event, _month_of_event(event, deps), cells)


def of_refusal_v1_v2(event: Event[ReferralRefused | ReferralRefusedV2], deps: Deps) -> Run:
    """A refused referral (v1, v2): its reasons' codes (v1's frozen codes are all current
    codes; v2 only added one), in the month of the event."""
    codes = [RefusalCode(reason.code.value) for reason in event.payload.reasons]
    cells = refuse_unknown(lambda: catalogue.from_refusal_codes(codes))
    return _person(event, _month_of_event(event, deps), cells)


def of_refusal_v3(event: Event[ReferralRefusedV3], deps: Deps) -> Run:
    """A refused referral (v3: codes only, from the current closed list)."""
    codes = list(event.payload.reasons)
    cells = refuse_unknown(lambda: catalogue.from_refusal_codes(codes))
    return _person(event, _month_of_event(event, deps), cells)


def of_monitoring(event: Event[MonitoringReported], deps: Deps) -> Run:
    """Post-return monitoring: outcomes by months after return, in the month of the event."""
    cells = refuse_unknown(lambda: catalogue.from_monitoring(event.payload))
    return _person(event, _month_of_event(event, deps), cells)


def of_consent_granted(event: Event[ConsentGranted], deps: Deps) -> Run:
    """A consent that covers anonymous reporting: one row per month from ``valid_from`` to
    ``valid_until``, under that month's person token (none for other purposes)."""
    payload = event.payload
    if Purpose.ANONYMOUS_REPORTING not in payload.purposes:
        return Run()
    consent = consent_token(deps.key, payload.consent_id)
    periods = periods_between(payload.valid_from, payload.valid_until)
    return Run(consents=[(p, person_token(deps.key, p, payload.case_id), consent) for p in periods])


Gather = Callable[[Event[Any], Deps], Run]
"""``gather(event, deps) -> Run``: an event's effect, computed without the database."""

GATHER: Mapping[str, Gather] = {
    BottleneckObserved.event_type: of_bottleneck,
    DeadlinePassed.event_type: of_deadline_v1,
    DeadlinePassedV2.event_type: of_deadline_v2,
    ReferralRefused.event_type: of_refusal_v1_v2,
    ReferralRefusedV2.event_type: of_refusal_v1_v2,
    ReferralRefusedV3.event_type: of_refusal_v3,
    MonitoringReported.event_type: of_monitoring,
    ConsentGranted.event_type: of_consent_granted,
}
"""Event types whose effect is a `Run`, by CloudEvents type (every version that is read)."""


def person_cells(
    envelope: Envelope, case_id: UUID, period: str, cells: list[Contribution]
) -> PersonCells:
    """The cells of one person, once the envelope's subject is checked to be the case id.

    Raises `SubjectMismatchError` otherwise: the subject travels in the clear, so anything but
    the case id there may identify someone."""
    if envelope.subject != str(case_id):
        raise SubjectMismatchError("the envelope subject is not the event's case id")
    return PersonCells(case_id, period, cells)


def event_period(day: date, deps: Deps) -> str:
    """The period an event counts in, if plausible; else `NotAggregatedError` (the event goes
    to the dead letters).

    A mistyped day (year 1990, 0001, next year) would otherwise create a period of its own that
    is published once and never revised."""
    try:
        check_plausible_month(day.year, day.month, deps.clock() + EVENT_CLOCK_SLACK)
    except InvalidPeriodError as exc:
        raise NotAggregatedError(f"the event's month is implausible, {exc}") from None
    return period_of(day)


def refuse_unknown(build: Callable[[], list[Contribution]]) -> list[Contribution]:
    """The catalogue's cells, or its refusal (an unknown code) as `NotAggregatedError`."""
    try:
        cells = build()
    except NotAllowedError as exc:
        raise NotAggregatedError(str(exc)) from None
    return cells


def _month_of_event(event: Event[Any], deps: Deps) -> str:
    return event_period(event.envelope.time.date(), deps)


def _person(event: Event[Any], period: str, cells: list[Contribution]) -> Run:
    case_id: UUID = event.payload.case_id
    return Run(people=[person_cells(event.envelope, case_id, period, cells)])
