"""Correcting a mistyped date of a recorded decision or stage change (issue 15).

A correction is a new record beside the original, never an overwrite: the decision or stage
change stays as recorded (and as published), the correction says who corrected it, when and
why (a closed `DateCorrectionReason`), and from then on the rules use the corrected date
(`casefile.repository.history`: the *current* date of an entry). A deadline counted from the
corrected date is tracked anew and announced like every deadline (``DeadlineScheduled.v2``):
the departure period of a final rejection (28 days, or 0 when it was shortened; domain.md
§1.1) and an extension counted from that period's end.

The date must pass the rules of recording it (`casefile.handlers.records`): not in the future,
not before 1900; a decision not before the case was opened; a stage change not before the
stage change recorded before it, nor after the one recorded after it.
"""

from datetime import date
from uuid import UUID, uuid4

from hub_contracts import DecisionDateCorrected, StageChangeDateCorrected
from hub_contracts.vocabulary import DeadlineKind, Decision, ProcedureStage

from casefile import messages as m
from casefile.deps import Deps
from casefile.domain import deadlines as dl
from casefile.domain.model import Case
from casefile.errors import (
    DeadlineRuleRefusedError,
    EntryNotCorrectableError,
    EntryNotFoundError,
    ImplausibleDateError,
)
from casefile.handlers.common import (
    add_timeline,
    not_before_case,
    plausible_past_day,
    writable_case,
)
from casefile.handlers.deadlines import live_deadline, schedule
from casefile.repository.history import DateCorrection, StageChangeRow
from casefile.unit_of_work import CasefileUow

DECISION = "decision"
STAGE_CHANGE = "stage_change"
CORRECTABLE = {"decision_recorded": DECISION, "stage_changed": STAGE_CHANGE}
"""Timeline kinds whose date can be corrected, and what they record."""


async def correct_recorded_date(
    message: m.CorrectRecordedDate, uow: CasefileUow, deps: Deps
) -> UUID:
    """Correct the date of the decision or stage change ``body.entry_id``; returns the
    correction's id.

    Raises 404 (`CaseNotFoundError`, `EntryNotFoundError`), 410 (erased), 409
    (``case_closed``), 422 (`EntryNotCorrectableError`; `ImplausibleDateError` with
    ``date_in_future``, ``date_implausible``, ``date_before_case``, ``date_out_of_order`` or
    ``date_unchanged``)."""
    case = await writable_case(uow, message.case_id)
    entry = await uow.timeline.get(case.case_id, message.body.entry_id)
    if entry is None:
        raise EntryNotFoundError()
    kind = CORRECTABLE.get(entry.kind)
    if kind is None:
        raise EntryNotCorrectableError()
    plausible_past_day(message.body.decided_on, deps.today(), "decided_on")
    if kind == DECISION:
        return await _correct_decision(message, uow, case)
    return await _correct_stage_change(message, uow, deps, case)


def _correction(message: m.CorrectRecordedDate, kind: str, previous_on: date) -> DateCorrection:
    if message.body.decided_on == previous_on:
        raise ImplausibleDateError(
            "decided_on is the date recorded already: nothing to correct", code="date_unchanged"
        )
    return DateCorrection(
        correction_id=uuid4(),
        case_id=message.case_id,
        entry_id=message.body.entry_id,
        entry_kind=kind,
        previous_on=previous_on,
        corrected_on=message.body.decided_on,
        reason=message.body.reason.value,
        corrected_by=message.who.sub,
    )


async def _correct_decision(message: m.CorrectRecordedDate, uow: CasefileUow, case: Case) -> UUID:
    entry_id = message.body.entry_id
    decisions = await uow.history.decisions(case.case_id)
    index = next((i for i, d in enumerate(decisions) if d.entry_id == entry_id), None)
    if index is None:  # an entry without its decision row: nothing this case can correct
        raise EntryNotFoundError()
    row = decisions[index]
    not_before_case(message.body.decided_on, case, "decided_on")
    # The newest decision recorded is the person's decision (referral follows the events in
    # the order they were recorded): a corrected date must not reorder them.
    _keep_order([d.decided_on for d in decisions], index, message.body.decided_on, "decision")
    correction = _correction(message, DECISION, row.decided_on)
    await uow.history.add_correction(correction)
    event = DecisionDateCorrected(
        case_id=case.case_id,
        correction_id=correction.correction_id,
        entry_id=entry_id,
        decision=Decision(row.decision),
        previous_decided_on=correction.previous_on,
        decided_on=correction.corrected_on,
        reason=message.body.reason,
    )
    uow.emit(event, subject=case.case_id)
    await _on_timeline(uow, "decision_date_corrected", correction)
    return correction.correction_id


async def _correct_stage_change(
    message: m.CorrectRecordedDate, uow: CasefileUow, deps: Deps, case: Case
) -> UUID:
    entry_id, new = message.body.entry_id, message.body.decided_on
    history = await uow.history.stage_changes(case.case_id)
    index = next((i for i, s in enumerate(history) if s.entry_id == entry_id), None)
    if index is None:
        raise EntryNotFoundError()
    row = history[index]
    # The order of recording stays the order of the dates (as `change_stage` requires).
    _keep_order([s.decided_on for s in history], index, new, "stage change")
    correction = _correction(message, STAGE_CHANGE, row.decided_on)
    await uow.history.add_correction(correction)
    event = StageChangeDateCorrected(
        case_id=case.case_id,
        correction_id=correction.correction_id,
        entry_id=entry_id,
        from_stage=ProcedureStage(row.from_stage),
        to_stage=ProcedureStage(row.to_stage),
        previous_decided_on=correction.previous_on,
        decided_on=new,
        reason=message.body.reason,
    )
    uow.emit(event, subject=case.case_id)
    await _on_timeline(uow, "stage_change_date_corrected", correction)
    if _started_live_departure(row, history):
        await _recount_departure(uow, deps, case.case_id, row.decided_on, new)
    return correction.correction_id


def _keep_order(dates: list[date], index: int, new: date, what: str) -> None:
    """Refuse (422 ``date_out_of_order``) a date for ``dates[index]`` that would put it before
    an entry recorded earlier or after one recorded later."""
    before = max(dates[:index], default=None)
    after = min(dates[index + 1 :], default=None)
    if (before is not None and new < before) or (after is not None and new > after):
        raise ImplausibleDateError(
            f"decided_on would put the {what} out of order with the {what}s recorded before"
            " and after it",
            code="date_out_of_order",
        )


async def _on_timeline(uow: CasefileUow, kind: str, c: DateCorrection) -> None:
    """The correction's own entry: which entry, both dates, why and who (a staff login)."""
    details = {
        "entry_id": str(c.entry_id),
        "previous_decided_on": c.previous_on.isoformat(),
        "decided_on": c.corrected_on.isoformat(),
        "reason": c.reason,
        "corrected_by": c.corrected_by,
    }
    await add_timeline(uow, c.case_id, kind, details)


def _started_live_departure(row: StageChangeRow, history: list[StageChangeRow]) -> bool:
    """Whether ``row`` is the newest final rejection: its date starts the live departure
    period (each final rejection replaces the period of the one before)."""
    finals = [s for s in history if s.to_stage == ProcedureStage.FINAL_REJECTION.value]
    return bool(finals) and finals[-1].entry_id == row.entry_id


async def _recount_departure(
    uow: CasefileUow, deps: Deps, case_id: UUID, previous: date, corrected: date
) -> None:
    """Track the departure period again from the corrected date, and an extension counted
    from its end (same number of weeks). A live period that was not counted from
    ``previous`` (neither 28 nor 0 days after it) is left alone: it came from elsewhere.

    A period already announced as passed stays announced once: the recounted deadline carries
    the passed notice of the one it replaces, so the weekly run does not announce it again and
    signals does not count one missed departure period twice (in two months)."""
    departure = await live_deadline(uow, case_id, DeadlineKind.DEPARTURE_PERIOD)
    if departure is None:
        return
    shortened = departure.due_date == dl.departure_period(previous, shortened=True).due_date
    if not shortened and departure.due_date != dl.departure_period(previous).due_date:
        return
    extension = await live_deadline(uow, case_id, DeadlineKind.EXTENSION)
    try:
        due = dl.departure_period(corrected, shortened=shortened)
        recounted = await schedule(uow, deps, case_id, due)
        await uow.deadlines.carry_notice(departure.deadline_id, recounted, dl.Notice.PASSED.value)
        if extension is not None:
            days = (extension.due_date - departure.due_date).days
            if days % 7 == 0 and 1 <= days // 7 <= dl.MAX_EXTENSION_WEEKS:
                again = dl.extension(due.due_date, weeks=days // 7, cooperating=True)
                extended = await schedule(uow, deps, case_id, again)
                await uow.deadlines.carry_notice(
                    extension.deadline_id, extended, dl.Notice.PASSED.value
                )
    except dl.DeadlineRuleError as exc:
        raise DeadlineRuleRefusedError(str(exc)) from exc
