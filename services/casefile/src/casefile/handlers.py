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
    DeadlineScheduledV2,
    DecisionRecorded,
    EventPayload,
    OptionsDiscussed,
    PersonErased,
    ProcedureStageChanged,
)
from hub_contracts.vocabulary import (
    REFUSAL_TEXTS,
    DeadlineKind,
    LocationType,
    ProcedureStage,
    RefusalCode,
)
from hub_runtime.auth import Principal
from hub_runtime.errors import ConflictError
from hub_runtime.unit_of_work import UnitOfWork

from casefile import commands as cmd
from casefile import repository as repo
from casefile.domain import deadlines as dl
from casefile.domain.model import MIN_PARENT_AGE, Case, HouseholdMember, Person
from casefile.domain.stages import check_transition
from casefile.errors import (
    CaseClosedError,
    CaseNotFoundError,
    ImplausibleDateError,
    ImpossibleTransitionError,
    PersonErasedGoneError,
)
from casefile.vault import PersonErasedError, PersonVault

Clock = Callable[[], datetime]
PERSON_CATEGORIES = ("identity", "contact", "household", "medical_needs")
SCHEDULED = "scheduled"
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


def invalid(reason: str, code: str = "invalid_request") -> ImplausibleDateError:
    """A refusal of a date or a rule about the message's content (HTTP 422)."""
    return ImplausibleDateError(reason, code=code)


def today_of(deps: Deps) -> date:
    return dl.today_in_amsterdam(deps.clock())


async def writable_case(uow: UnitOfWork, case_id: UUID, *, closed_ok: bool = False) -> Case:
    """The case, locked for this transaction; 404 unknown, 410 erased, 409 ``case_closed``
    when closed, unless ``closed_ok``.

    A closed case still takes (``closed_ok``): the erasure of the person (GDPR art. 17, and the
    retention worker), the rectification of the person's data (GDPR art. 16, without tracking
    deadlines again) and the closing call itself (answered ``already_closed``). Everything that
    would move the case on is refused: a new decision could start a referral on a case whose
    referrals were withdrawn when it closed.
    """
    case = await repo.get_case(uow.conn, case_id, lock=True)
    if case is None:
        raise CaseNotFoundError()
    if case.is_erased:
        raise PersonErasedGoneError()
    if case.is_closed and not closed_ok:
        raise CaseClosedError()
    return case


# Reasons name the field, never the submitted date (the README: no answer echoes the input).
def _not_in_future(day: date, today: date, what: str) -> None:
    if day > today:
        raise invalid(f"{what} lies in the future", "date_in_future")


def _not_implausibly_old(day: date, what: str) -> None:
    if day.year < EARLIEST_PLAUSIBLE_YEAR:
        raise invalid(f"{what} is before {EARLIEST_PLAUSIBLE_YEAR}", "date_implausible")


def plausible_past_day(day: date, today: date, what: str) -> None:
    """A day something already happened on: not in the future, not before 1900."""
    _not_in_future(day, today, what)
    _not_implausibly_old(day, what)


def _not_before_case(day: date, case: Case, what: str) -> None:
    if day < case.opened_on:
        raise invalid(
            f"{what} is before the case was opened ({case.opened_on.isoformat()})",
            "date_before_case",
        )


async def add_timeline(uow: UnitOfWork, case_id: UUID, kind: str, details: dict[str, Any]) -> None:
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
    contradicting = person.implausible_household_dates()
    if contradicting:
        raise invalid(
            f"a child is born at least {MIN_PARENT_AGE} years after the person, a parent at"
            f" least {MIN_PARENT_AGE} years before: {', '.join(contradicting)}",
            "implausible_household_dates",
        )
    return person


async def open_case(uow: UnitOfWork, deps: Deps, command: cmd.OpenCase, who: Principal) -> UUID:
    today = today_of(deps)
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
    await add_timeline(uow, case.case_id, "case_opened", {"stage": case.stage.value})
    await _initial_deadlines(uow, deps, case, person, command)
    return case.case_id


def _plausible_final_decision(decided_on: date, person: Person, today: date) -> None:
    """A case opened after the final rejection: that decision lies between the person's
    birth and today (it precedes the case, so the case's opening day is no bound here)."""
    plausible_past_day(decided_on, today, "final_decision_on")
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
    case = await writable_case(uow, case_id)
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
    await add_timeline(uow, case_id, "case_updated", {"changed": changed})
    if updated.location_type is not case.location_type:
        await _track_family_location(uow, deps, updated, await _stored_children(uow, deps, case_id))


async def update_person(
    uow: UnitOfWork, deps: Deps, case_id: UUID, command: cmd.UpdatePerson
) -> None:
    """Replace the person's data (re-sealed under their key) and the household facts.

    Allowed on a closed case (rectification, GDPR art. 16); a closed case tracks no deadline.
    """
    case = await writable_case(uow, case_id, closed_ok=True)
    person = _valid_person(command, today_of(deps))
    await deps.vault.replace_person(uow.conn, case_id, person)
    updated = replace(
        case,
        household_size=1 + len(person.household),
        has_minors=person.has_minors(today_of(deps)),
    )
    await repo.update_facts(uow.conn, updated)
    await add_timeline(uow, case_id, "person_updated", {})
    if not case.is_closed:
        await _track_family_location(uow, deps, updated, person)


async def _stored_children(uow: UnitOfWork, deps: Deps, case_id: UUID) -> list[date]:
    """Children's dates of birth from the sealed household (internal use, not a disclosure)."""
    try:
        household = await deps.vault.read(uow.conn, case_id, ["household"])
    except PersonErasedError as exc:
        raise PersonErasedGoneError() from exc
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
    await add_timeline(uow, case_id, "deadline_scheduled", {"kind": due.kind.value})
    return deadline_id


async def schedule_deadline(
    uow: UnitOfWork, deps: Deps, case_id: UUID, command: cmd.ScheduleDeadline
) -> UUID:
    await writable_case(uow, case_id)
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


# ---------------------------------------------------------------- stage, decision, bottleneck


async def change_stage(
    uow: UnitOfWork, deps: Deps, case_id: UUID, command: cmd.ChangeStage, who: Principal
) -> None:
    case = await writable_case(uow, case_id)
    plausible_past_day(command.decided_on, today_of(deps), "decided_on")
    refusal = check_transition(case.stage, command.to_stage)
    if refusal is not None:
        raise ImpossibleTransitionError(refusal.reason)
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
    await add_timeline(
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
    case = await writable_case(uow, case_id)
    plausible_past_day(command.decided_on, today_of(deps), "decided_on")
    _not_before_case(command.decided_on, case, "decided_on")
    await repo.insert_decision(
        uow.conn, case_id, command.decision.value, command.decided_on, who.sub
    )
    recorded = DecisionRecorded(
        case_id=case_id, decision=command.decision, decided_on=command.decided_on
    )
    _emit(uow, recorded, case_id)
    await add_timeline(
        uow,
        case_id,
        "decision_recorded",
        {"decision": command.decision.value, "decided_on": command.decided_on.isoformat()},
    )


async def record_bottleneck(
    uow: UnitOfWork, deps: Deps, case_id: UUID, command: cmd.RecordBottleneck, who: Principal
) -> UUID:
    case = await writable_case(uow, case_id)
    # Like a decision: observed in this case, so not before it was opened.
    plausible_past_day(command.observed_on, today_of(deps), "observed_on")
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
    await add_timeline(uow, case_id, "bottleneck_observed", {"category": command.category.value})
    return bottleneck_id


async def record_options(
    uow: UnitOfWork, deps: Deps, case_id: UUID, command: cmd.RecordOptions, who: Principal
) -> None:
    case = await writable_case(uow, case_id)
    plausible_past_day(command.discussed_on, today_of(deps), "discussed_on")
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
    await add_timeline(
        uow,
        case_id,
        "options_discussed",
        {
            "options": [o.value for o in options],
            "language": command.language,
            "interpreter_used": command.interpreter_used,
        },
    )


# ---------------------------------------------------------------- close and erase


async def close_case(
    uow: UnitOfWork, deps: Deps, case_id: UUID, command: cmd.CloseCase, who: Principal
) -> None:
    case = await writable_case(uow, case_id, closed_ok=True)
    if case.is_closed:
        raise ConflictError("the case is already closed", code="already_closed")
    plausible_past_day(command.closed_on, today_of(deps), "closed_on")
    _not_before_case(command.closed_on, case, "closed_on")
    await repo.close_case(uow.conn, case_id, command.closed_on)
    await repo.cancel_all_deadlines(uow.conn, case_id, deps.clock())
    _emit(uow, CaseClosed(case_id=case_id, closed_on=command.closed_on), case_id)
    await add_timeline(uow, case_id, "case_closed", {"closed_on": command.closed_on.isoformat()})
    del who


async def erase_person(uow: UnitOfWork, deps: Deps, case_id: UUID, *, by: str, reason: str) -> None:
    """Crypto-shredding: destroy the person's key; the ciphertexts become noise.

    Leaves a tombstone (who, when, why), keeps the coarse, non-personal case facts for the
    timeline and statistics, and tells every service to forget (PersonErased). Always possible
    on a closed case (the retention worker erases closed cases).
    """
    case = await writable_case(uow, case_id, closed_ok=True)
    now = deps.clock()
    await repo.destroy_person_key(uow.conn, case_id)
    await repo.mark_erased(uow.conn, case_id, now)
    # Deadlines go too: a family-location end date is a child's birthday in disguise.
    await repo.delete_deadlines(uow.conn, case_id)
    await repo.forget_published_events(uow.conn, case_id)
    await repo.insert_tombstone(uow.conn, repo.Tombstone(case_id, now, by, reason), kek_version=1)
    _emit(uow, PersonErased(case_id=case.case_id, erased_at=now), case_id)
    await add_timeline(uow, case_id, "person_erased", {"reason": reason})


async def retention_pass(
    uow: UnitOfWork, deps: Deps, retention_days: int, limit: int = 100
) -> list[UUID]:
    """Erase the persons of cases closed longer than the retention period."""
    cutoff = today_of(deps) - timedelta(days=retention_days)
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
        raise CaseNotFoundError()
    if case.is_erased:
        raise PersonErasedGoneError()
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
                "days_left": dl.days_left(d.due_date, today_of(deps)),
            }
            for d in await repo.case_deadlines(uow.conn, case_id)
        ],
        "timeline": [rendered(e) for e in await repo.timeline(uow.conn, case_id)],
        "person": None,
    }
    if with_person:
        view["person"] = await read_person(uow, deps, case_id, who, why="case_view")
    return view


def rendered(entry: dict[str, Any]) -> dict[str, Any]:
    """A timeline entry for the reader: refusal codes with their sentences, rendered here at the
    edge from ``REFUSAL_TEXTS`` (the database holds the codes only)."""
    reasons = entry["details"].get("reasons")
    if entry["kind"] != "referral_refused" or not isinstance(reasons, list):
        return entry
    texts = [{"code": c, "text": REFUSAL_TEXTS[RefusalCode(c)]} for c in reasons]
    return {**entry, "details": {**entry["details"], "reasons": texts}}


async def read_person(
    uow: UnitOfWork, deps: Deps, case_id: UUID, who: Principal, *, why: str
) -> dict[str, Any]:
    try:
        fields = await deps.vault.read(uow.conn, case_id, PERSON_CATEGORIES)
    except PersonErasedError as exc:
        raise PersonErasedGoneError() from exc
    await repo.log_access(
        uow.conn,
        repo.AccessEntry(case_id, who.sub, who.role.value, sorted(fields), why, "read"),
    )
    return fields


async def list_by_deadline(
    uow: UnitOfWork, deps: Deps, limit: int, offset: int
) -> list[dict[str, Any]]:
    today = today_of(deps)
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
