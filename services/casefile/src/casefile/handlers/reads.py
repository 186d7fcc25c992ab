"""Reads: a case with its history, the deadline list, the erasure trace, the access log, and
the newest event of a case (read-your-writes for referral). Every read of personal data is
logged (`read_person`)."""

from dataclasses import asdict
from typing import Any
from uuid import UUID

from hub_contracts import Topic
from hub_contracts.vocabulary import REFUSAL_TEXTS, RefusalCode
from hub_runtime.auth import Principal
from hub_runtime.errors import NotFoundError

from casefile import messages as m
from casefile.deps import Deps
from casefile.domain import deadlines as dl
from casefile.errors import CaseNotFoundError, PersonErasedGoneError
from casefile.handlers.common import existing_case
from casefile.repository.audit import AccessEntry, Tombstone
from casefile.repository.timeline import TimelineEntry
from casefile.unit_of_work import CasefileUow
from casefile.vault import PersonErasedError

PERSON_CATEGORIES = ("identity", "contact", "household", "medical_needs")


async def read_case(message: m.ReadCase, uow: CasefileUow, deps: Deps) -> dict[str, Any]:
    """The case's facts, history (current dates of decisions and stage changes, with the
    date first recorded and the ``entry_id`` a correction names), live deadlines with exact
    dates, timeline, and, when ``with_person``, the person's data (a logged read).
    Raises 404, 410."""
    case = await existing_case(uow, message.case_id)
    case_id, today = case.case_id, deps.today()
    view: dict[str, Any] = {
        "case_id": case_id,
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
        "stage_history": [asdict(s) for s in await uow.history.stage_changes(case_id)],
        "decisions": [asdict(d) for d in await uow.history.decisions(case_id)],
        "options_discussed": await uow.history.options_discussed(case_id),
        "deadlines": [
            {
                "deadline_id": d.deadline_id,
                "kind": d.kind,
                "due_date": d.due_date,
                "due_at": d.due_at,
                "days_left": dl.days_left(d.due_date, today),
            }
            for d in await uow.deadlines.of_case(case_id)
        ],
        "timeline": [rendered(e) for e in await uow.timeline.of_case(case_id)],
        "person": None,
    }
    if message.with_person:
        view["person"] = await read_person(uow, deps, case_id, message.who, why="case_view")
    return view


def rendered(entry: TimelineEntry) -> dict[str, Any]:
    """A timeline entry for the reader: refusal codes with their sentences, rendered here from
    ``REFUSAL_TEXTS`` (the database holds the codes only)."""
    shown: dict[str, Any] = {
        "entry_id": entry.entry_id,
        "occurred_at": entry.occurred_at,
        "kind": entry.kind,
        "source": entry.source,
        "event_id": entry.event_id,
        "details": entry.details,
    }
    reasons = entry.details.get("reasons")
    if entry.kind != "referral_refused" or not isinstance(reasons, list):
        return shown
    texts = [{"code": c, "text": REFUSAL_TEXTS[RefusalCode(c)]} for c in reasons]
    return {**shown, "details": {**entry.details, "reasons": texts}}


async def read_person(
    uow: CasefileUow, deps: Deps, case_id: UUID, who: Principal, *, why: str
) -> dict[str, Any]:
    """The person's decrypted categories, the read logged (who, role, categories, ``why``).
    Raises `PersonErasedGoneError` (410) once the key is gone."""
    try:
        fields = await deps.vault.read(uow.persons, case_id, PERSON_CATEGORIES)
    except PersonErasedError as exc:
        raise PersonErasedGoneError() from exc
    entry = AccessEntry(case_id, who.sub, who.role.value, sorted(fields), why, "read")
    await uow.audit.log_access(entry)
    return fields


async def list_by_deadline(
    message: m.ListCasesByDeadline, uow: CasefileUow, deps: Deps
) -> list[dict[str, Any]]:
    """A page of open cases, the nearest upcoming deadline first (no personal data)."""
    today = deps.today()
    rows = await uow.cases.by_deadline(from_day=today, limit=message.limit, offset=message.offset)
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


async def read_tombstone(message: m.ReadTombstone, uow: CasefileUow, deps: Deps) -> Tombstone:
    """The erasure trace; raises `NotFoundError` (404) when the case was not erased."""
    del deps
    stone = await uow.audit.tombstone(message.case_id)
    if stone is None:
        raise NotFoundError("an erasure of this case")
    return stone


async def read_access_log(
    message: m.ReadAccessLog, uow: CasefileUow, deps: Deps
) -> list[dict[str, Any]]:
    """Every read of the person's data in the case, in order."""
    del deps
    return await uow.audit.access_log(message.case_id)


async def newest_event(message: m.NewestEvent, uow: CasefileUow, deps: Deps) -> UUID | None:
    """The envelope id of the newest event of the case among ``event_types`` that casefile
    has committed (published or not), or None. Another service whose view is fed by these
    events waits until it has applied that event before it judges a request
    (read-your-writes). Raises `NotFoundError` ``case_not_found`` when casefile has never had
    the case (an erased case keeps its tombstone, so it is found): the other service can then
    answer 404 instead of "not known yet"."""
    del deps
    if await uow.cases.get(message.case_id) is None:
        raise CaseNotFoundError()
    topic = str(Topic.CASEFILE_EVENTS)
    return await uow.case_events.newest_event(message.case_id, topic, message.event_types)
