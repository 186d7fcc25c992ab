"""Use cases: events in (each turned into anonymous contributions at the door), releases out."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from hub_contracts import (
    BottleneckObserved,
    ConsentGranted,
    ConsentWithdrawn,
    DeadlinePassed,
    DeadlinePassedV2,
    Envelope,
    MonitoringReported,
    PartnerStatusReported,
    PartnerStatusReportedV2,
    PersonErased,
    Purpose,
    ReferralApproved,
    ReferralRefused,
    ReferralRefusedV2,
    ReferralRefusedV3,
    RefusalCode,
)
from hub_runtime.errors import PermanentEventError
from hub_runtime.unit_of_work import UnitOfWork

from signals import repository as repo
from signals.config import Settings
from signals.domain import catalogue
from signals.domain.catalogue import Contribution, NotAllowedError
from signals.domain.disclosure import CountTable, protect_period
from signals.domain.periods import (
    InvalidPeriodError,
    check_plausible_month,
    closes_at,
    is_closed,
    period_of,
    periods_between,
    plausible_period,
)
from signals.domain.privacy import BudgetLedger, LaplaceMechanism
from signals.domain.pseudonyms import consent_token, person_token, referral_token
from signals.domain.release import to_event
from signals.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)

EVENT_CLOCK_SLACK = timedelta(days=1)
"""How far an event's day may lie ahead of this service's clock: a producer's local date (or
clock) can be a day ahead at midnight, and such an event is fine."""


class PeriodNotClosedError(Exception):
    """The period is not closed yet: nothing of it may be published."""


@dataclass(frozen=True)
class PersonCells:
    """What one event says about one person: the cells they join in one period."""

    case_id: UUID
    period: str
    cells: list[Contribution]


@dataclass
class _Run:
    """Contributions and consent rows of consecutive events, written together.

    Those effects commute with each other except for the per-person cap, which `_flush` keeps by
    admitting cells in event order. Any other event ends the run first."""

    people: list[PersonCells] = field(default_factory=list)
    consents: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class SignalsHandlers:
    """The event handlers, bound to the settings (key, cap, country switch).

    `apply` is the one way events are applied: many at once on the consumer's fast path, one at
    a time (`apply_one`) when the consumer isolates a failing record."""

    settings: Settings

    @property
    def _key(self) -> bytes:
        return self.settings.hash_key.get_secret_value().encode()

    async def apply_one(self, uow: UnitOfWork, envelope: Envelope, payload: Any) -> None:
        await self.apply(uow, [(envelope, payload)])

    async def apply(self, uow: UnitOfWork, events: Sequence[tuple[Envelope, Any]]) -> None:
        run = _Run()
        for envelope, payload in events:
            if self._gather(run, envelope, payload):
                continue
            await self._flush(uow, run)
            run = _Run()
            await self._apply_alone(uow, envelope, payload)
        await self._flush(uow, run)

    def _gather(self, run: _Run, envelope: Envelope, payload: Any) -> bool:
        """Add the event's effect to the run if it is a contribution or a consent grant."""
        if isinstance(payload, ConsentGranted):
            run.consents += self._consent_rows(payload)
            return True
        cells = self._person_cells(envelope, payload)
        if cells is None:
            return False
        run.people.append(_subject_checked(envelope, cells))
        return True

    def _person_cells(self, envelope: Envelope, payload: Any) -> PersonCells | None:
        """The cells of an event that needs nothing from the database; None for other events."""
        event_day = envelope.time.date()
        match payload:
            case BottleneckObserved():
                allow = self.settings.allow_country_of_origin
                cells = _refuse_unknown(lambda: catalogue.from_bottleneck(payload, allow))
                return PersonCells(payload.case_id, _event_period(payload.observed_on), cells)
            case DeadlinePassed():  # v1 (old records): counted in the month of its due date
                cells = _refuse_unknown(lambda: catalogue.from_deadline(payload))
                return PersonCells(payload.case_id, _event_period(payload.due_date), cells)
            case DeadlinePassedV2():
                # v2 carries no date (it could be a child's 18th birthday): counted in the month
                # of the event, i.e. when casefile saw the deadline pass.
                cells = _refuse_unknown(lambda: catalogue.from_deadline(payload))
                return PersonCells(payload.case_id, _event_period(event_day), cells)
            case ReferralRefused() | ReferralRefusedV2():
                # v1's frozen codes are all current codes (v2 only added one)
                codes = [RefusalCode(reason.code.value) for reason in payload.reasons]
                cells = _refuse_unknown(lambda: catalogue.from_refusal_codes(codes))
                return PersonCells(payload.case_id, _event_period(event_day), cells)
            case ReferralRefusedV3():  # codes only, from the current closed list
                reasons = list(payload.reasons)
                cells = _refuse_unknown(lambda: catalogue.from_refusal_codes(reasons))
                return PersonCells(payload.case_id, _event_period(event_day), cells)
            case MonitoringReported():
                cells = _refuse_unknown(lambda: catalogue.from_monitoring(payload))
                return PersonCells(payload.case_id, _event_period(event_day), cells)
        return None

    def _consent_rows(self, payload: ConsentGranted) -> list[tuple[str, str, str]]:
        if Purpose.ANONYMOUS_REPORTING not in payload.purposes:
            return []
        consent = consent_token(self._key, payload.consent_id)
        periods = periods_between(payload.valid_from, payload.valid_until)
        return [(p, person_token(self._key, p, payload.case_id), consent) for p in periods]

    async def _flush(self, uow: UnitOfWork, run: _Run) -> None:
        """Write a run: the door, where case ids become per-period tokens and go no further."""
        if run.consents:
            await repo.add_reporting_consent(uow.conn, run.consents)
        if not run.people:
            return
        keyed = [(p.period, person_token(self._key, p.period, p.case_id), p) for p in run.people]
        people = [(period, token) for period, token, _ in keyed]
        await repo.lock_people(uow.conn, people)
        joined = await repo.cells_of_people(uow.conn, people)
        cap = self.settings.max_cells_per_person
        rows: list[repo.ContributionRow] = []
        for period, token, person in keyed:
            existing = joined[(period, token)]
            admitted = catalogue.admit(existing, person.cells, cap)
            existing.update((c.table, c.cell_key) for c in admitted)
            rows += [(period, token, c) for c in admitted]
        if rows:
            await repo.add_contributions(uow.conn, rows)

    async def _apply_alone(self, uow: UnitOfWork, envelope: Envelope, payload: Any) -> None:
        """Events that read or delete what earlier events wrote: applied in their turn."""
        match payload:
            case ConsentWithdrawn():
                # From the month of withdrawal on, the person no longer counts (unless another
                # consent still covers anonymous reporting); published periods stay as they are.
                consent = consent_token(self._key, payload.consent_id)
                from_period = period_of(payload.withdrawn_at.date())
                await repo.withdraw_reporting_consent(uow.conn, consent, from_period)
            case PersonErased():
                # Remove the person from every period not yet published (releases are anonymous).
                for period in await repo.unpublished_periods(uow.conn):
                    token = person_token(self._key, period, payload.case_id)
                    await repo.forget_person(uow.conn, period, token)
            case ReferralApproved():
                token = referral_token(self._key, payload.referral_id)
                partner_type = str(payload.partner_type)
                await repo.save_referral_fact(uow.conn, token, envelope.time, partner_type)
            case PartnerStatusReported() | PartnerStatusReportedV2():
                cells = _subject_checked(envelope, await self._partner_cells(uow, payload))
                await self._flush(uow, _Run(people=[cells]))
            case _:
                raise PermanentEventError(f"signals does not handle {envelope.type}")

    async def _partner_cells(
        self, uow: UnitOfWork, payload: PartnerStatusReported | PartnerStatusReportedV2
    ) -> PersonCells:
        """A partner's response, with its time since approval when the approval was seen, and
        a decline's reason from the closed list (v1's open codes become ``other``)."""
        fact = await repo.referral_fact(uow.conn, referral_token(self._key, payload.referral_id))
        approved_at, partner_type = fact if fact is not None else (None, None)
        if isinstance(payload, PartnerStatusReportedV2):
            reason = payload.reason_code
        else:
            reason = catalogue.decline_reason(payload.reason_code)
        cells = _refuse_unknown(
            lambda: catalogue.from_partner_status(
                payload.status, partner_type, approved_at, payload.reported_at, reason
            )
        )
        return PersonCells(payload.case_id, _event_period(payload.reported_at.date()), cells)


def _subject_checked(envelope: Envelope, cells: PersonCells) -> PersonCells:
    if envelope.subject != str(cells.case_id):
        # The subject travels in the clear: anything but the case id may identify someone.
        raise PermanentEventError("the envelope subject is not the event's case id")
    return cells


def _event_period(day: date) -> str:
    """The period an event counts in, if plausible; else the event goes to the dead letters.

    A mistyped day (year 1990, 0001, next year) would otherwise create a period of its own that
    is published once and never revised."""
    try:
        check_plausible_month(day.year, day.month, datetime.now(UTC) + EVENT_CLOCK_SLACK)
    except InvalidPeriodError as exc:
        raise PermanentEventError(
            f"not aggregated: the event's month is implausible, {exc}"
        ) from None
    return period_of(day)


def _refuse_unknown(build: Callable[[], list[Contribution]]) -> list[Contribution]:
    """Map the catalogue's refusal to the runtime's dead-letter error."""
    try:
        cells = build()
    except NotAllowedError as exc:
        raise PermanentEventError(f"not aggregated: {exc}") from None
    return cells


async def publish_period(
    uow: UnitOfWork, settings: Settings, period: str, now: datetime
) -> dict[str, dict[str, Any]]:
    """Publish a closed period once; later calls return the stored release unchanged.

    Emits one ``SignalsPublished.v2`` per table (subject = period) in the same transaction that
    stores the release. The caller commits. A period outside the plausible range raises
    :class:`InvalidPeriodError` before anything is stored.
    """
    plausible_period(period, now)  # raises InvalidPeriodError; checked before anything is read
    await repo.lock_period(uow.conn, period)
    stored = await repo.release(uow.conn, period)
    if stored:
        return stored
    if not is_closed(period, now, settings.grace_days):
        closes = closes_at(period, settings.grace_days).isoformat()
        raise PeriodNotClosedError(f"the period {period} is open until {closes}")
    tables = await _count_tables(uow, settings, period)
    epsilon: float | None = None
    if settings.dp_enabled:
        mechanism = LaplaceMechanism.for_epsilon(
            settings.dp_epsilon_per_table, settings.max_cells_per_person
        )
        epsilon = mechanism.epsilon
        tables = await _add_noise(uow, settings, period, tables, mechanism)
    protected = protect_period(
        tables, settings.k_threshold, settings.rounding_base, catalogue.LINKED_BY_CATEGORY
    )
    release: dict[str, dict[str, Any]] = {}
    for table in protected:
        event = to_event(
            period, table, k=settings.k_threshold, base=settings.rounding_base, epsilon=epsilon
        )
        uow.emit(event, subject=period)
        release[table.name] = event.model_dump(mode="json")
    await repo.save_release(uow.conn, period, list(release.items()))
    log.info("period published", extra={"count": len(release)})
    return release


def publishable_tables(settings: Settings) -> dict[str, catalogue.TableSpec]:
    """Tables of a release. The open-valued country table is left out under noise: which
    country codes appear at all would not be protected by the noise."""
    tables = catalogue.allowed_tables(settings.allow_country_of_origin)
    if settings.dp_enabled:
        tables = {n: s for n, s in tables.items() if all(d.values for d in s.dimensions)}
    return tables


async def _count_tables(uow: UnitOfWork, settings: Settings, period: str) -> list[CountTable]:
    tables: list[CountTable] = []
    for spec in publishable_tables(settings).values():
        counts = await repo.cell_counts(
            uow.conn,
            period,
            spec.name,
            spec.dimension_names,
            require_consent=settings.require_reporting_consent,
        )
        axes = tuple(
            d.values if d.values is not None else tuple(sorted({k[i] for k in counts}))
            for i, d in enumerate(spec.dimensions)
        )
        tables.append(CountTable(spec.name, spec.dimension_names, axes, counts))
    return tables


async def _add_noise(
    uow: UnitOfWork,
    settings: Settings,
    period: str,
    tables: list[CountTable],
    mechanism: LaplaceMechanism,
) -> list[CountTable]:
    """Charge the ledger for every table first (all or nothing), then add the noise."""
    ledger = BudgetLedger(settings.dp_budget_per_period, await repo.lock_ledger(uow.conn, period))
    for table in tables:
        ledger = ledger.charge(table.name, mechanism.epsilon)  # raises BudgetExceededError
    for table in tables:
        await repo.record_spend(uow.conn, period, table.name, mechanism.epsilon)
    return [mechanism.noisy(table) for table in tables]


async def publish_due_periods(
    uow_factory: UnitOfWorkFactory, settings: Settings, now: datetime
) -> list[str]:
    """Publish every closed period that has contributions and no release yet."""
    async with uow_factory() as uow:
        periods = await repo.periods_with_contributions(uow.conn)
    published: list[str] = []
    for period in periods:
        if not _is_publishable(period, now, settings.grace_days):
            continue
        async with uow_factory() as uow:
            if await repo.is_published(uow.conn, period):
                continue
            await publish_period(uow, settings, period, now)
            await uow.commit()
            published.append(period)
    return published


def _is_publishable(period: str, now: datetime, grace_days: int) -> bool:
    """Closed and plausible: contributions stored before periods were checked may lie outside
    the plausible range; they are left alone (and logged) rather than published."""
    try:
        plausible_period(period, now)
    except InvalidPeriodError:
        log.warning(
            "contributions of an implausible period not published", extra={"period": period}
        )
        return False
    return is_closed(period, now, grace_days)
