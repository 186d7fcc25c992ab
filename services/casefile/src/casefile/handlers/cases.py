"""The case itself: open it, change its facts, rectify the person, close it, erase the person."""

from dataclasses import replace
from datetime import date, timedelta
from uuid import UUID, uuid4

from hub_contracts import CaseClosed, CaseOpened, PersonErased
from hub_contracts.vocabulary import (
    DeadlineKind,
    InformationMaterial,
    LocationType,
    ProcedureStage,
)
from hub_runtime.errors import ConflictError

from casefile import bodies as b
from casefile import messages as m
from casefile.deps import Deps
from casefile.domain import deadlines as dl
from casefile.domain.model import MIN_PARENT_AGE, Case, HouseholdMember, Person
from casefile.errors import (
    BEFORE_1900_RULE,
    FUTURE_RULE,
    ImplausibleDateError,
    PersonAlreadyKnownError,
    PersonErasedGoneError,
)
from casefile.handlers.common import (
    add_timeline,
    not_before_case,
    plausible_past_day,
    writable_case,
)
from casefile.handlers.deadlines import schedule
from casefile.repository.audit import Tombstone
from casefile.unit_of_work import CasefileUow
from casefile.vault import PersonErasedError

LISTED_MATERIALS: tuple[str, ...] = tuple(material.value for material in InformationMaterial)
"""The material codes an options talk keeps after the person's erasure."""


def _person(body: b.OpenCase | b.UpdatePerson) -> Person:
    p = body.person
    return Person(
        name=p.name,
        date_of_birth=p.date_of_birth,
        phone=p.phone,
        languages=tuple(p.languages),
        medical_needs=p.medical_needs,
        household=tuple(
            HouseholdMember(h.relation, h.date_of_birth, h.name) for h in body.household
        ),
    )


def _valid_person(body: b.OpenCase | b.UpdatePerson, today: date) -> Person:
    """The person of ``body``; raises `ImplausibleDateError` for dates of birth in the future,
    before 1900, or a household that contradicts the person's age (`MIN_PARENT_AGE`)."""
    person = _person(body)
    wrong = person.dates_in_future(today)
    if wrong:
        raise ImplausibleDateError(
            f"a date of birth lies in the future: {', '.join(wrong)}",
            code="date_in_future",
            fields=wrong,
            rule=FUTURE_RULE,
        )
    too_old = person.dates_implausibly_old()
    if too_old:
        raise ImplausibleDateError(
            f"a date of birth is before 1900: {', '.join(too_old)}",
            code="date_implausible",
            fields=too_old,
            rule=BEFORE_1900_RULE,
        )
    contradicting = person.implausible_household_dates()
    if contradicting:
        raise ImplausibleDateError(
            f"a child is born at least {MIN_PARENT_AGE} years after the person, a parent at"
            f" least {MIN_PARENT_AGE} years before: {', '.join(contradicting)}",
            code="implausible_household_dates",
        )
    return person


async def open_case(message: m.OpenCase, uow: CasefileUow, deps: Deps) -> UUID:
    """Open a case: the person sealed under a new key, ``CaseOpened`` (coarse facts only), and
    the deadlines that follow from the opening (departure period, family-location end).

    Raises `ImplausibleDateError` (422) for impossible dates and `PersonAlreadyKnownError`
    (409 ``person_already_known``, naming the open case) when the person's blind index (same
    normalised name and date of birth) belongs to an open case already."""
    body, today = message.body, deps.today()
    person = _valid_person(body, today)
    if body.final_decision_on is not None:
        _plausible_final_decision(body.final_decision_on, person, today)
    case = Case(
        case_id=uuid4(),
        country_of_origin=body.country_of_origin,
        region=body.region,
        location_type=body.location_type,
        stage=body.stage,
        vulnerabilities=tuple(dict.fromkeys(body.vulnerabilities)),
        household_size=1 + len(body.household),
        has_minors=person.has_minors(today),
        opened_on=today,
        opened_by=message.who.sub,
    )
    await uow.cases.add(case)
    await _claim_index(uow, deps, case.case_id, person, frozenset(body.not_the_person_of))
    await deps.vault.store_new_person(uow.persons, case.case_id, person)
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
    uow.emit(opened, subject=case.case_id)
    await add_timeline(uow, case.case_id, "case_opened", {"stage": case.stage.value})
    if case.stage is ProcedureStage.FINAL_REJECTION and body.final_decision_on is not None:
        due = dl.departure_period(body.final_decision_on, shortened=body.departure_period_shortened)
        await schedule(uow, deps, case.case_id, due)
    if case.location_type is LocationType.FAMILY_LOCATION:
        await _track_family_location(uow, deps, case, person.children_born_on())
    return case.case_id


def _plausible_final_decision(decided_on: date, person: Person, today: date) -> None:
    """A case opened after the final rejection: that decision lies between the person's
    birth and today (it precedes the case, so the case's opening day is no bound here)."""
    plausible_past_day(decided_on, today, "final_decision_on")
    if decided_on < person.date_of_birth:
        raise ImplausibleDateError(
            "final_decision_on is before the person's date of birth", code="date_before_birth"
        )


async def _claim_index(
    uow: CasefileUow,
    deps: Deps,
    case_id: UUID,
    person: Person,
    besides: frozenset[UUID] = frozenset(),
) -> None:
    """Give the open case its person's blind index; `PersonAlreadyKnownError` (409) when
    another open case not in ``besides`` (namesakes a counsellor has checked) holds it (the
    unit of work is then rolled back)."""
    digest = deps.vault.index_digest(person)
    holder = await uow.persons.claim_index(case_id, digest, besides=besides)
    if holder is not None:
        raise PersonAlreadyKnownError(holder)


async def update_case(message: m.UpdateCase, uow: CasefileUow, deps: Deps) -> None:
    """Change coarse facts; a move into or out of a family location (re)tracks its end.
    Raises 404/410/409 (`writable_case`)."""
    case = await writable_case(uow, message.case_id)
    body = message.body
    updated = replace(
        case,
        location_type=body.location_type or case.location_type,
        region=body.region or case.region,
        vulnerabilities=case.vulnerabilities
        if body.vulnerabilities is None
        else tuple(dict.fromkeys(body.vulnerabilities)),
    )
    await uow.cases.update_facts(updated)
    changed = sorted(body.model_dump(exclude_none=True))
    await add_timeline(uow, case.case_id, "case_updated", {"changed": changed})
    if updated.location_type is not case.location_type:
        children = await _stored_children(uow, deps, case.case_id)
        await _track_family_location(uow, deps, updated, children)


async def update_person(message: m.UpdatePerson, uow: CasefileUow, deps: Deps) -> None:
    """Replace the person's data (re-sealed under their key) and the household facts.

    Allowed on a closed case (rectification, GDPR art. 16); a closed case tracks no deadline
    and has no blind index. Raises 404/410 (`writable_case`), `ImplausibleDateError` (422),
    `PersonAlreadyKnownError` (409) when the rectified person is another open case's."""
    case = await writable_case(uow, message.case_id, closed_ok=True)
    person = _valid_person(message.body, deps.today())
    if not case.is_closed:
        await _claim_index(uow, deps, case.case_id, person)
    await deps.vault.replace_person(uow.persons, case.case_id, person)
    updated = replace(
        case,
        household_size=1 + len(person.household),
        has_minors=person.has_minors(deps.today()),
    )
    await uow.cases.update_facts(updated)
    await add_timeline(uow, case.case_id, "person_updated", {})
    if not case.is_closed:
        await _track_family_location(uow, deps, updated, person.children_born_on())


async def _stored_children(uow: CasefileUow, deps: Deps, case_id: UUID) -> list[date]:
    """Children's dates of birth from the sealed household (internal use, not a disclosure)."""
    try:
        household = await deps.vault.read(uow.persons, case_id, ["household"])
    except PersonErasedError as exc:
        raise PersonErasedGoneError() from exc
    members = household.get("household", {}).get("members", [])
    return [date.fromisoformat(h["date_of_birth"]) for h in members if h["relation"] == "child"]


async def _track_family_location(
    uow: CasefileUow, deps: Deps, case: Case, children: list[date]
) -> None:
    """Track the family location's end (the youngest child's 18th birthday) while the case
    is at one; otherwise stop tracking it."""
    due = dl.family_location_end(children)
    if case.location_type is LocationType.FAMILY_LOCATION and due is not None:
        await schedule(uow, deps, case.case_id, due)
    else:
        kind = DeadlineKind.FAMILY_LOCATION_END.value
        await uow.deadlines.cancel(case.case_id, kind, deps.clock())


async def close_case(message: m.CloseCase, uow: CasefileUow, deps: Deps) -> None:
    """Close the case (starts the retention period) and stop tracking its deadlines.

    Raises 404/410 (`writable_case`), `ConflictError` ``already_closed`` (409),
    `ImplausibleDateError` (422)."""
    case = await writable_case(uow, message.case_id, closed_ok=True)
    if case.is_closed:
        raise ConflictError("the case is already closed", code="already_closed")
    closed_on = message.body.closed_on
    plausible_past_day(closed_on, deps.today(), "closed_on")
    not_before_case(closed_on, case, "closed_on")
    await uow.cases.close(case.case_id, closed_on)
    # Only open cases are matched: a person whose case closed may need a new one.
    await uow.persons.drop_index(case.case_id)
    await uow.deadlines.cancel_all(case.case_id, deps.clock())
    uow.emit(CaseClosed(case_id=case.case_id, closed_on=closed_on), subject=case.case_id)
    await add_timeline(uow, case.case_id, "case_closed", {"closed_on": closed_on.isoformat()})


async def erase_person(message: m.ErasePerson, uow: CasefileUow, deps: Deps) -> None:
    """Crypto-shredding: destroy the person's key; the ciphertexts become noise.

    Leaves a tombstone (who, when, why), keeps the coarse, non-personal case facts for the
    timeline and statistics (options talks keep only material codes of `InformationMaterial`),
    and tells every service to forget (``PersonErased``). Always
    possible on a closed case (the retention worker erases closed cases). Raises 404/410."""
    case = await writable_case(uow, message.case_id, closed_ok=True)
    now = deps.clock()
    stored = await uow.persons.key(case.case_id)
    kek_version = deps.vault.kek_version if stored is None else stored.version
    await uow.persons.destroy_key(case.case_id)
    await uow.persons.drop_index(case.case_id)
    await uow.cases.mark_erased(case.case_id, now)
    # Deadlines go too: a family-location end date is a child's birthday in disguise.
    await uow.deadlines.delete_for_case(case.case_id)
    # Material codes were open before the list was closed (a trial stored a person's name as
    # one): an options talk keeps only the listed codes, which name nobody.
    await uow.history.drop_unlisted_materials(case.case_id, LISTED_MATERIALS)
    await uow.case_events.forget_published(case.case_id)
    stone = Tombstone(case.case_id, now, message.by, message.reason)
    await uow.audit.add_tombstone(stone, kek_version=kek_version)
    uow.emit(PersonErased(case_id=case.case_id, erased_at=now), subject=case.case_id)
    await add_timeline(uow, case.case_id, "person_erased", {"reason": message.reason})


async def erase_after_retention(
    message: m.EraseAfterRetention, uow: CasefileUow, deps: Deps
) -> list[UUID]:
    """Erase the persons of cases closed longer than ``retention_days`` (days, Amsterdam
    calendar); returns their case ids."""
    cutoff = deps.today() - timedelta(days=message.retention_days)
    due = await uow.cases.due_for_erasure(cutoff, message.limit)
    for case_id in due:
        erase = m.ErasePerson(case_id, by="retention", reason="retention_period_ended")
        await erase_person(erase, uow, deps)
    return due
