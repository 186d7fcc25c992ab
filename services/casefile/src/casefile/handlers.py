"""One small async function per use case. They run inside a unit of work the caller opened
(the API) or the runtime opened (events); the API commits, the consumer runtime commits."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from hub_contracts import (
    BottleneckObserved,
    CaseClosed,
    CaseOpened,
    DeadlineApproachingV2,
    DeadlinePassedV2,
    DeadlineScheduledV2,
    DecisionRecorded,
    EventPayload,
    OptionsDiscussed,
    PersonErased,
    ProcedureStageChanged,
)
from hub_contracts.vocabulary import DataCategory, DeadlineKind, LocationType, ProcedureStage
from hub_runtime.auth import Principal
from hub_runtime.http import DomainError, NotFoundError
from hub_runtime.unit_of_work import UnitOfWork

from casefile import commands as cmd
from casefile import repository as repo
from casefile.domain import deadlines as dl
from casefile.domain.disclosure import DisclosureRequest, Verdict, decide
from casefile.domain.model import Case, HouseholdMember, Person
from casefile.domain.stages import check_transition
from casefile.vault import PersonErasedError, PersonVault

Clock = Callable[[], datetime]
PERSON_CATEGORIES = ("identity", "contact", "household", "medical_needs")
SCHEDULED = "scheduled"
_ERASED = "the person's data in this case was erased"
# Before 1900 a date in a case is a typing error (as for dates of birth, see model.py).
EARLIEST_PLAUSIBLE_YEAR = 1900
# An entry ban starts at the departure, which is planned at most about a year ahead.
ENTRY_BAN_START_MAX_AHEAD = timedelta(days=366)
# A counsellor's tool may send "now" from a clock running slightly ahead of ours.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Deps:
    vault: PersonVault
    clock: Clock


def system_clock() -> datetime:
    return datetime.now(UTC)


class GoneError(DomainError):
    status_code = 410

    def __init__(self, reason: str, code: str = "person_erased") -> None:
        super().__init__(reason, code=code)


def invalid(reason: str, code: str = "invalid_request") -> DomainError:
    return DomainError(reason, code=code, status_code=422)


def _today(deps: Deps) -> date:
    return dl.today_in_amsterdam(deps.clock())


async def _writable_case(uow: UnitOfWork, case_id: UUID) -> Case:
    """The case, locked for this transaction; 404 unknown, 410 erased."""
    case = await repo.get_case(uow.conn, case_id, lock=True)
    if case is None:
        raise NotFoundError("the case")
    if case.is_erased:
        raise GoneError(_ERASED)
    return case


# Reasons name the field, never the submitted date (the README: no answer echoes the input).
def _not_in_future(day: date, today: date, what: str) -> None:
    if day > today:
        raise invalid(f"{what} lies in the future", "date_in_future")


def _not_implausibly_old(day: date, what: str) -> None:
    if day.year < EARLIEST_PLAUSIBLE_YEAR:
        raise invalid(f"{what} is before {EARLIEST_PLAUSIBLE_YEAR}", "date_implausible")


def _plausible_past_day(day: date, today: date, what: str) -> None:
    """A day something already happened on: not in the future, not before 1900."""
    _not_in_future(day, today, what)
    _not_implausibly_old(day, what)


def _not_before_case(day: date, case: Case, what: str) -> None:
    if day < case.opened_on:
        raise invalid(
            f"{what} is before the case was opened ({case.opened_on.isoformat()})",
            "date_before_case",
        )


async def _timeline(uow: UnitOfWork, case_id: UUID, kind: str, details: dict[str, Any]) -> None:
    await repo.add_timeline(
        uow.conn,
        case_id,
        kind=kind,
        source="casefile",
        occurred_at=datetime.now(UTC),
        details=details,
    )


def _emit(uow: UnitOfWork, payload: EventPayload, case_id: UUID) -> None:
    uow.emit(payload, subject=case_id)


# ---------------------------------------------------------------- open a case


def _person(command: cmd.OpenCase | cmd.UpdatePerson) -> Person:
    p = command.person
    return Person(
        name=p.name,
        date_of_birth=p.date_of_birth,
        phone=p.phone,
        languages=tuple(p.languages),
        medical_needs=p.medical_needs,
        household=tuple(
            HouseholdMember(m.relation, m.date_of_birth, m.name) for m in command.household
        ),
    )


def _valid_person(command: cmd.OpenCase | cmd.UpdatePerson, today: date) -> Person:
    person = _person(command)
    wrong = person.dates_in_future(today)
    if wrong:
        raise invalid(f"a date of birth lies in the future: {', '.join(wrong)}", "date_in_future")
    too_old = person.dates_implausibly_old()
    if too_old:
        raise invalid(f"a date of birth is before 1900: {', '.join(too_old)}", "date_implausible")
    return person


async def open_case(uow: UnitOfWork, deps: Deps, command: cmd.OpenCase, who: Principal) -> UUID:
    today = _today(deps)
    person = _valid_person(command, today)
    if command.final_decision_on is not None:
        _plausible_final_decision(command.final_decision_on, person, today)
    case = Case(
        case_id=uuid4(),
        country_of_origin=command.country_of_origin,
        region=command.region,
        location_type=command.location_type,
        stage=command.stage,
        vulnerabilities=tuple(dict.fromkeys(command.vulnerabilities)),
        household_size=1 + len(command.household),
        has_minors=person.has_minors(today),
        opened_on=today,
        opened_by=who.sub,
    )
    await repo.insert_case(uow.conn, case)
    await deps.vault.store_new_person(uow.conn, case.case_id, person)
    opened = CaseOpened(
        case_id=case.case_id,
        country_of_origin=case.country_of_origin,
        region=case.region,
        household_size=case.household_size,
        has_minors=case.has_minors,
        vulnerabilities=list(case.vulnerabilities),
        location_type=case.location_type,
        stage=case.stage,
    )
    _emit(uow, opened, case.case_id)
    await _timeline(uow, case.case_id, "case_opened", {"stage": case.stage.value})
    await _initial_deadlines(uow, deps, case, person, command)
    return case.case_id


def _plausible_final_decision(decided_on: date, person: Person, today: date) -> None:
    """A case opened after the final rejection: that decision lies between the person's
    birth and today (it precedes the case, so the case's opening day is no bound here)."""
    _plausible_past_day(decided_on, today, "final_decision_on")
    if decided_on < person.date_of_birth:
        raise invalid("final_decision_on is before the person's date of birth", "date_before_birth")


async def _initial_deadlines(
    uow: UnitOfWork, deps: Deps, case: Case, person: Person, command: cmd.OpenCase
) -> None:
    if case.stage is ProcedureStage.FINAL_REJECTION and command.final_decision_on is not None:
        due = dl.departure_period(
            command.final_decision_on, shortened=command.departure_period_shortened
        )
        await schedule(uow, deps, case.case_id, due)
    if case.location_type is LocationType.FAMILY_LOCATION:
        await _track_family_location(uow, deps, case, person)


async def update_case(uow: UnitOfWork, deps: Deps, case_id: UUID, command: cmd.UpdateCase) -> None:
    """Change coarse facts; a move into or out of a family location (re)tracks its end."""
    case = await _writable_case(uow, case_id)
    updated = replace(
        case,
        location_type=command.location_type or case.location_type,
        region=command.region or case.region,
        vulnerabilities=case.vulnerabilities
        if command.vulnerabilities is None
        else tuple(dict.fromkeys(command.vulnerabilities)),
    )
    await repo.update_facts(uow.conn, updated)
    changed = sorted(command.model_dump(exclude_none=True))
    await _timeline(uow, case_id, "case_updated", {"changed": changed})
    if updated.location_type is not case.location_type:
        await _track_family_location(uow, deps, updated, await _stored_children(uow, deps, case_id))


async def update_person(
    uow: UnitOfWork, deps: Deps, case_id: UUID, command: cmd.UpdatePerson
) -> None:
    """Replace the person's data (re-sealed under their key) and the household facts."""
    case = await _writable_case(uow, case_id)
    person = _valid_person(command, _today(deps))
    await deps.vault.replace_person(uow.conn, case_id, person)
    updated = replace(
        case,
        household_size=1 + len(person.household),
        has_minors=person.has_minors(_today(deps)),
    )
    await repo.update_facts(uow.conn, updated)
    await _timeline(uow, case_id, "person_updated", {})
    await _track_family_location(uow, deps, updated, person)


async def _stored_children(uow: UnitOfWork, deps: Deps, case_id: UUID) -> list[date]:
    """Children's dates of birth from the sealed household (internal use, not a disclosure)."""
    try:
        household = await deps.vault.read(uow.conn, case_id, ["household"])
    except PersonErasedError as exc:
        raise GoneError(_ERASED) from exc
    members = household.get("household", {}).get("members", [])
    return [date.fromisoformat(m["date_of_birth"]) for m in members if m["relation"] == "child"]


async def _track_family_location(
    uow: UnitOfWork, deps: Deps, case: Case, person: Person | list[date]
) -> None:
    children = person if isinstance(person, list) else person.children_born_on()
    due = dl.family_location_end(children)
    if case.location_type is LocationType.FAMILY_LOCATION and due is not None:
        await schedule(uow, deps, case.case_id, due)
    else:
        kind = DeadlineKind.FAMILY_LOCATION_END.value
        await repo.cancel_deadlines(uow.conn, case.case_id, kind, deps.clock())


# ---------------------------------------------------------------- deadlines


# Deadline events are v2 only: no date and, except in a reminder, no days left. A due date on
# Kafka (or one computable from the event time) could be a child's 18th birthday, which an
# erasure cannot take back out of a topic; counsellors read dates from the HTTP API.
async def schedule(uow: UnitOfWork, deps: Deps, case_id: UUID, due: dl.Due) -> UUID:
    """Track a deadline (replacing a live one of the same kind) and announce it, once."""
    now = deps.clock()
    await repo.cancel_deadlines(uow.conn, case_id, due.kind.value, now)
    deadline_id = uuid4()
    await repo.insert_deadline(
        uow.conn, deadline_id, case_id, due.kind.value, due.due_date, due.due_at
    )
    event = DeadlineScheduledV2(case_id=case_id, deadline_id=deadline_id, kind=due.kind)
    envelope = uow.emit(event, subject=case_id)
    await repo.record_notice(uow.conn, deadline_id, SCHEDULED, envelope.id)
    # No due date on the timeline: a family-location end is a child's 18th birthday.
    await _timeline(uow, case_id, "deadline_scheduled", {"kind": due.kind.value})
    return deadline_id


async def schedule_deadline(
    uow: UnitOfWork, deps: Deps, case_id: UUID, command: cmd.ScheduleDeadline
) -> UUID:
    await _writable_case(uow, case_id)
    _plausible_deadline_start(command, deps.clock())
    try:
        due = await _due_for(uow, case_id, command)
    except dl.DeadlineRuleError as exc:
        raise invalid(str(exc), "deadline_rule") from exc
    return await schedule(uow, deps, case_id, due)


def _plausible_deadline_start(command: cmd.ScheduleDeadline, now: datetime) -> None:
    """The day or moment a deadline counts from must be a real one: a detention has begun
    (not in the future), an entry ban starts at a departure at most about a year ahead, and
    neither lies before 1900. Besides clear reasons, this keeps the date arithmetic far from
    the calendar's ends (years 1 and 9999), where it would overflow."""
    if isinstance(command, cmd.ScheduleFamilyDetention):
        _not_implausibly_old(command.detained_at.date(), "detained_at")
        if command.detained_at > now + CLOCK_SKEW:
            raise invalid("detained_at lies in the future", "date_in_future")
    elif isinstance(command, cmd.ScheduleEntryBan):
        _not_implausibly_old(command.starts_on, "starts_on")
        if command.starts_on > dl.today_in_amsterdam(now) + ENTRY_BAN_START_MAX_AHEAD:
            raise invalid(
                "starts_on lies more than a year ahead: an entry ban starts at the departure",
                "date_implausible",
            )


async def _due_for(uow: UnitOfWork, case_id: UUID, command: cmd.ScheduleDeadline) -> dl.Due:
    if isinstance(command, cmd.ScheduleExtension):
        live = await repo.case_deadlines(uow.conn, case_id)
        departure = [d for d in live if d.kind == DeadlineKind.DEPARTURE_PERIOD.value]
        if not departure:
            raise invalid(
                "an extension needs a departure period: record the final rejection first",
                "no_departure_period",
            )
        return dl.extension(
            departure[-1].due_date, weeks=command.weeks, cooperating=command.cooperating
        )
    if isinstance(command, cmd.ScheduleEntryBan):
        return dl.entry_ban_end(command.starts_on, years=command.years)
    return dl.family_detention_limit(command.detained_at)


def _notice_event(notice: dl.Notice, row: repo.DeadlineRow, today: date) -> EventPayload:
    case_id, deadline_id, kind = row.case_id, row.deadline_id, DeadlineKind(row.kind)
    if notice is dl.Notice.PASSED:
        return DeadlinePassedV2(case_id=case_id, deadline_id=deadline_id, kind=kind)
    # notice_due sends a reminder only inside the 7-day window: the contract's 0..7 holds.
    days_left = dl.days_left(row.due_date, today)
    return DeadlineApproachingV2(
        case_id=case_id, deadline_id=deadline_id, kind=kind, days_left=days_left
    )


async def send_due_notices(uow: UnitOfWork, now: datetime, limit: int = 200) -> int:
    """One pass of the deadline worker: at most one notice per deadline, each exactly once.

    The notice row and the outbox row commit in the caller's transaction: a crash before the
    commit sends nothing, a restart after it finds the notice recorded and sends nothing again.
    """
    today = dl.today_in_amsterdam(now)
    horizon = today + timedelta(days=dl.REMINDER_DAYS[0])
    sent = 0
    for row in await repo.claim_watchable_deadlines(uow.conn, horizon, limit):
        notice = dl.notice_due(row.due_date, row.due_at, now, row.sent)
        if notice is None:
            continue
        envelope = uow.emit(_notice_event(notice, row, today), subject=row.case_id)
        await repo.record_notice(uow.conn, row.deadline_id, notice.value, envelope.id)
        await _timeline(uow, row.case_id, f"deadline_{notice.value}", {"kind": row.kind})
        sent += 1
    return sent


# ---------------------------------------------------------------- stage, decision, bottleneck


async def change_stage(
    uow: UnitOfWork, deps: Deps, case_id: UUID, command: cmd.ChangeStage, who: Principal
) -> None:
    case = await _writable_case(uow, case_id)
    _plausible_past_day(command.decided_on, _today(deps), "decided_on")
    refusal = check_transition(case.stage, command.to_stage)
    if refusal is not None:
        raise DomainError(refusal.reason, code="impossible_transition", status_code=409)
    previous = await repo.last_stage_decided_on(uow.conn, case_id)
    if previous is not None and command.decided_on < previous:
        raise invalid(
            f"decided_on is before the previous stage decision ({previous.isoformat()})",
            "date_out_of_order",
        )
    await repo.set_stage(uow.conn, case_id, command.to_stage)
    await repo.insert_stage_change(
        uow.conn, case_id, case.stage, command.to_stage, command.decided_on, who.sub
    )
    changed = ProcedureStageChanged(
        case_id=case_id,
        from_stage=case.stage,
        to_stage=command.to_stage,
        decided_on=command.decided_on,
    )
    _emit(uow, changed, case_id)
    await _timeline(
        uow,
        case_id,
        "stage_changed",
        {
            "from": case.stage.value,
            "to": command.to_stage.value,
            "decided_on": command.decided_on.isoformat(),
        },
    )
    if command.to_stage is ProcedureStage.FINAL_REJECTION:
        due = dl.departure_period(command.decided_on, shortened=command.departure_period_shortened)
        await schedule(uow, deps, case_id, due)


async def record_decision(
    uow: UnitOfWork, deps: Deps, case_id: UUID, command: cmd.RecordDecision, who: Principal
) -> None:
    """Append-only: a changed mind is a new entry; the earlier ones stay as history."""
    case = await _writable_case(uow, case_id)
    _plausible_past_day(command.decided_on, _today(deps), "decided_on")
    _not_before_case(command.decided_on, case, "decided_on")
    await repo.insert_decision(
        uow.conn, case_id, command.decision.value, command.decided_on, who.sub
    )
    recorded = DecisionRecorded(
        case_id=case_id, decision=command.decision, decided_on=command.decided_on
    )
    _emit(uow, recorded, case_id)
    await _timeline(
        uow,
        case_id,
        "decision_recorded",
        {"decision": command.decision.value, "decided_on": command.decided_on.isoformat()},
    )


async def record_bottleneck(
    uow: UnitOfWork, deps: Deps, case_id: UUID, command: cmd.RecordBottleneck, who: Principal
) -> UUID:
    case = await _writable_case(uow, case_id)
    # Like a decision: observed in this case, so not before it was opened.
    _plausible_past_day(command.observed_on, _today(deps), "observed_on")
    _not_before_case(command.observed_on, case, "observed_on")
    bottleneck_id = uuid4()
    await repo.insert_bottleneck(
        uow.conn, bottleneck_id, case, command.category.value, command.observed_on, who.sub
    )
    # Coarse dimensions only: category, stage, region, location type, country, day.
    observed = BottleneckObserved(
        case_id=case_id,
        bottleneck_id=bottleneck_id,
        category=command.category,
        stage=case.stage,
        region=case.region,
        location_type=case.location_type,
        observed_on=command.observed_on,
        country_of_origin=case.country_of_origin,
    )
    _emit(uow, observed, case_id)
    await _timeline(uow, case_id, "bottleneck_observed", {"category": command.category.value})
    return bottleneck_id


async def record_options(
    uow: UnitOfWork, deps: Deps, case_id: UUID, command: cmd.RecordOptions, who: Principal
) -> None:
    case = await _writable_case(uow, case_id)
    _plausible_past_day(command.discussed_on, _today(deps), "discussed_on")
    _not_before_case(command.discussed_on, case, "discussed_on")
    options = list(dict.fromkeys(command.options))
    await repo.insert_options(
        uow.conn,
        case_id,
        options=[o.value for o in options],
        language=command.language,
        interpreter_used=command.interpreter_used,
        materials=list(command.materials),
        discussed_on=command.discussed_on,
        by=who.sub,
    )
    discussed = OptionsDiscussed(
        case_id=case_id,
        options=options,
        language=command.language,
        interpreter_used=command.interpreter_used,
    )
    _emit(uow, discussed, case_id)
    await _timeline(
        uow,
        case_id,
        "options_discussed",
        {
            "options": [o.value for o in options],
            "language": command.language,
            "interpreter_used": command.interpreter_used,
        },
    )


async def record_effort(
    uow: UnitOfWork, deps: Deps, case_id: UUID, command: cmd.RecordEffort, who: Principal
) -> UUID:
    """An effort for the buitenschuld dossier; the free-text note is sealed under the person key."""
    await _writable_case(uow, case_id)
    # An effort may precede the case (an embassy visit before counselling began).
    _plausible_past_day(command.occurred_on, _today(deps), "occurred_on")
    effort_id = uuid4()
    note = None
    if command.note is not None:
        note = await deps.vault.seal_text(uow.conn, case_id, f"effort:{effort_id}", command.note)
    await repo.insert_effort(
        uow.conn,
        repo.EffortRow(
            effort_id=effort_id,
            case_id=case_id,
            kind=command.kind,
            occurred_on=command.occurred_on,
            authority=command.authority,
            outcome=command.outcome,
            evidence_refs=list(command.evidence_refs),
            note=note,
            recorded_by=who.sub,
        ),
    )
    await _timeline(
        uow,
        case_id,
        "effort_recorded",
        {"kind": command.kind, "authority": command.authority, "outcome": command.outcome},
    )
    return effort_id


# ---------------------------------------------------------------- close and erase


async def close_case(
    uow: UnitOfWork, deps: Deps, case_id: UUID, command: cmd.CloseCase, who: Principal
) -> None:
    case = await _writable_case(uow, case_id)
    if case.is_closed:
        raise DomainError("the case is already closed", code="already_closed")
    _plausible_past_day(command.closed_on, _today(deps), "closed_on")
    _not_before_case(command.closed_on, case, "closed_on")
    await repo.close_case(uow.conn, case_id, command.closed_on)
    await repo.cancel_all_deadlines(uow.conn, case_id, deps.clock())
    _emit(uow, CaseClosed(case_id=case_id, closed_on=command.closed_on), case_id)
    await _timeline(uow, case_id, "case_closed", {"closed_on": command.closed_on.isoformat()})
    del who


async def erase_person(uow: UnitOfWork, deps: Deps, case_id: UUID, *, by: str, reason: str) -> None:
    """Crypto-shredding: destroy the person's key; the ciphertexts become noise.

    Leaves a tombstone (who, when, why), keeps the coarse, non-personal case facts for the
    timeline and statistics, and tells every service to forget (PersonErased).
    """
    case = await _writable_case(uow, case_id)
    now = deps.clock()
    await repo.destroy_person_key(uow.conn, case_id)
    await repo.mark_erased(uow.conn, case_id, now)
    # Deadlines go too: a family-location end date is a child's birthday in disguise.
    await repo.delete_deadlines(uow.conn, case_id)
    await repo.forget_published_events(uow.conn, case_id)
    await repo.insert_tombstone(uow.conn, repo.Tombstone(case_id, now, by, reason), kek_version=1)
    _emit(uow, PersonErased(case_id=case.case_id, erased_at=now), case_id)
    await _timeline(uow, case_id, "person_erased", {"reason": reason})


async def retention_pass(
    uow: UnitOfWork, deps: Deps, retention_days: int, limit: int = 100
) -> list[UUID]:
    """Erase the persons of cases closed longer than the retention period."""
    cutoff = _today(deps) - timedelta(days=retention_days)
    due = await repo.cases_due_for_erasure(uow.conn, cutoff, limit)
    for case_id in due:
        await erase_person(uow, deps, case_id, by="retention", reason="retention_period_ended")
    return due


# ---------------------------------------------------------------- reads


async def read_case(
    uow: UnitOfWork, deps: Deps, case_id: UUID, who: Principal, *, with_person: bool
) -> dict[str, Any]:
    case = await repo.get_case(uow.conn, case_id)
    if case is None:
        raise NotFoundError("the case")
    if case.is_erased:
        raise GoneError(_ERASED)
    view: dict[str, Any] = {
        "case_id": case.case_id,
        "status": "closed" if case.is_closed else "open",
        "country_of_origin": case.country_of_origin,
        "region": case.region,
        "location_type": case.location_type,
        "stage": case.stage,
        "vulnerabilities": list(case.vulnerabilities),
        "household_size": case.household_size,
        "has_minors": case.has_minors,
        "opened_on": case.opened_on,
        "closed_on": case.closed_on,
        "stage_history": await repo.stage_changes(uow.conn, case_id),
        "decisions": await repo.decisions(uow.conn, case_id),
        "options_discussed": await repo.options_discussed(uow.conn, case_id),
        "deadlines": [
            {
                "deadline_id": d.deadline_id,
                "kind": d.kind,
                "due_date": d.due_date,
                "due_at": d.due_at,
                "days_left": dl.days_left(d.due_date, _today(deps)),
            }
            for d in await repo.case_deadlines(uow.conn, case_id)
        ],
        "timeline": await repo.timeline(uow.conn, case_id),
        "person": None,
    }
    if with_person:
        view["person"] = await _read_person(uow, deps, case_id, who, why="case_view")
    return view


async def _read_person(
    uow: UnitOfWork, deps: Deps, case_id: UUID, who: Principal, *, why: str
) -> dict[str, Any]:
    try:
        fields = await deps.vault.read(uow.conn, case_id, PERSON_CATEGORIES)
    except PersonErasedError as exc:
        raise GoneError(_ERASED) from exc
    await repo.log_access(
        uow.conn,
        repo.AccessEntry(case_id, who.sub, who.role.value, sorted(fields), why, "read"),
    )
    return fields


async def list_by_deadline(
    uow: UnitOfWork, deps: Deps, limit: int, offset: int
) -> list[dict[str, Any]]:
    today = _today(deps)
    rows = await repo.cases_by_deadline(uow.conn, from_day=today, limit=limit, offset=offset)
    return [
        {
            "case_id": r.case.case_id,
            "stage": r.case.stage,
            "region": r.case.region,
            "location_type": r.case.location_type,
            "next_deadline": None
            if r.due_date is None
            else {
                "deadline_id": r.deadline_id,
                "kind": r.kind,
                "due_date": r.due_date,
                "days_left": dl.days_left(r.due_date, today),
            },
        }
        for r in rows
    ]


# ---------------------------------------------------------------- the disclosure path


@dataclass(frozen=True)
class DisclosureResult:
    """What the disclosure endpoint answers; a refusal is a result (its log row must commit)."""

    status: int
    body: dict[str, Any]


async def disclose(
    uow: UnitOfWork, deps: Deps, body: cmd.DisclosureIn, who: Principal
) -> DisclosureResult:
    """Re-check the consent on casefile's own view, decrypt only the covered categories, and
    log the read, allowed or refused (who, what, when, why = purpose and referral)."""
    request = DisclosureRequest(
        case_id=body.case_id,
        referral_id=body.referral_id,
        partner_id=body.partner_id,
        consent_id=body.consent_id,
        purpose=body.purpose,
        categories=frozenset(body.data_categories),
    )
    case = await repo.get_case(uow.conn, body.case_id)
    if case is None:
        raise NotFoundError("the case")
    categories = sorted(c.value for c in request.categories)

    async def answer(status: int, code: str, content: dict[str, Any]) -> DisclosureResult:
        entry = repo.AccessEntry(
            body.case_id,
            who.sub,
            who.role.value,
            categories,
            f"disclosure:{body.purpose.value}",
            code,
            body.referral_id,
        )
        await repo.log_access(uow.conn, entry)
        return DisclosureResult(status, content)

    if case.is_erased:
        return await answer(410, "refused:person_erased", _error("person_erased", _ERASED))
    verdict = decide(
        request,
        await repo.get_consent(uow.conn, body.consent_id),
        await repo.get_partner(uow.conn, body.partner_id),
        _today(deps),
    )
    if verdict.verdict is not Verdict.ALLOW:
        status = {Verdict.GONE: 410, Verdict.NOT_YET: 503}.get(verdict.verdict, 403)
        return await answer(status, f"refused:{verdict.code}", _error(verdict.code, verdict.reason))
    data = await _categories(uow, deps, case, request.categories)
    return await answer(200, "disclosed", {"case_id": str(case.case_id), "categories": data})


def _error(code: str, reason: str) -> dict[str, Any]:
    return {"error": code, "detail": reason}


async def _categories(
    uow: UnitOfWork, deps: Deps, case: Case, wanted: frozenset[DataCategory]
) -> dict[str, dict[str, Any]]:
    encrypted = [c.value for c in wanted if c.value in PERSON_CATEGORIES]
    try:
        fields = await deps.vault.read(uow.conn, case.case_id, encrypted)
    except PersonErasedError as exc:
        raise GoneError(_ERASED) from exc
    result: dict[str, dict[str, Any]] = {c: fields.get(c, {}) for c in encrypted}
    if DataCategory.VULNERABILITIES in wanted:
        result["vulnerabilities"] = {"flags": [v.value for v in case.vulnerabilities]}
    if DataCategory.CASE_HISTORY in wanted:
        result["case_history"] = {
            "stage": case.stage.value,
            "stages": [
                {
                    "from": s["from_stage"],
                    "to": s["to_stage"],
                    "decided_on": s["decided_on"].isoformat(),
                }
                for s in await repo.stage_changes(uow.conn, case.case_id)
            ],
        }
    if DataCategory.TRAVEL_DOCUMENTS in wanted:
        result["travel_documents"] = {
            "efforts": [_effort_facts(e) for e in await repo.efforts(uow.conn, case.case_id)]
        }
    return result


def _effort_facts(effort: repo.EffortRow) -> dict[str, Any]:
    return {
        "kind": effort.kind,
        "occurred_on": effort.occurred_on.isoformat(),
        "authority": effort.authority,
        "outcome": effort.outcome,
        "evidence_refs": effort.evidence_refs,
    }


async def buitenschuld_dossier(
    uow: UnitOfWork, deps: Deps, case_id: UUID, who: Principal
) -> dict[str, Any]:
    """Everything the buitenschuld application needs, as one document (reading is logged)."""
    case = await repo.get_case(uow.conn, case_id)
    if case is None:
        raise NotFoundError("the case")
    if case.is_erased:
        raise GoneError(_ERASED)
    person = await _read_person(uow, deps, case_id, who, why="buitenschuld_dossier")
    efforts = []
    for effort in await repo.efforts(uow.conn, case_id):
        facts = _effort_facts(effort)
        facts["note"] = (
            None
            if effort.note is None
            else await deps.vault.open_text(
                uow.conn, case_id, f"effort:{effort.effort_id}", effort.note
            )
        )
        efforts.append(facts)
    return {
        "case_id": str(case_id),
        "generated_on": _today(deps).isoformat(),
        "person": person.get("identity", {}),
        "country_of_origin": case.country_of_origin,
        "stage": case.stage.value,
        "stage_history": [
            {
                "from": s["from_stage"],
                "to": s["to_stage"],
                "decided_on": s["decided_on"].isoformat(),
            }
            for s in await repo.stage_changes(uow.conn, case_id)
        ],
        "efforts": efforts,
    }


def dossier_markdown(dossier: dict[str, Any]) -> str:
    """The same dossier as Markdown, for printing with the application."""
    person = dossier["person"]
    lines = [
        "# Buitenschuld dossier: own efforts to obtain travel documents",
        "",
        f"- Case: {dossier['case_id']}",
        f"- Name: {person.get('name', '')}",
        f"- Date of birth: {person.get('date_of_birth', '')}",
        f"- Country of origin: {dossier['country_of_origin']}",
        f"- Procedure stage: {dossier['stage']}",
        f"- Generated on: {dossier['generated_on']}",
        "",
        "## Efforts",
        "",
        "| date | kind | authority | outcome | evidence | note |",
        "|---|---|---|---|---|---|",
    ]
    for e in dossier["efforts"]:
        note = (e["note"] or "").replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| {e['occurred_on']} | {e['kind']} | {e['authority']} | {e['outcome']} |"
            f" {', '.join(e['evidence_refs'])} | {note} |"
        )
    return "\n".join(lines) + "\n"
