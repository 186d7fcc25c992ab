"""The case's recorded history: stage changes, decisions, bottlenecks, options talks.

Append-only: a changed mind is a new entry, a mistyped date a correction
(`casefile.handlers.corrections`); earlier entries stay as recorded.
"""

from uuid import UUID, uuid4

from hub_contracts import (
    BottleneckObserved,
    DecisionRecorded,
    OptionsDiscussed,
    ProcedureStageChanged,
)
from hub_contracts.vocabulary import ProcedureStage

from casefile import messages as m
from casefile.deps import Deps
from casefile.domain import deadlines as dl
from casefile.domain.stages import check_transition
from casefile.errors import ImplausibleDateError, ImpossibleTransitionError
from casefile.handlers.common import (
    add_timeline,
    not_before_case,
    plausible_past_day,
    writable_case,
)
from casefile.handlers.deadlines import schedule
from casefile.unit_of_work import CasefileUow


async def change_stage(message: m.ChangeStage, uow: CasefileUow, deps: Deps) -> None:
    """Move the case to the next procedure stage (`casefile.domain.stages`); a final rejection
    starts the departure period (28 days, or 0 when shortened; domain.md §1.1).

    Raises 404/410/409 (`writable_case`), `ImpossibleTransitionError` (409), and
    `ImplausibleDateError` (422) for a date in the future, before 1900, or before the current
    date of the previous stage change (``date_out_of_order``)."""
    case = await writable_case(uow, message.case_id)
    body = message.body
    plausible_past_day(body.decided_on, deps.today(), "decided_on")
    refusal = check_transition(case.stage, body.to_stage)
    if refusal is not None:
        raise ImpossibleTransitionError(refusal.reason)
    history = await uow.history.stage_changes(case.case_id)
    previous = max((s.decided_on for s in history), default=None)
    if previous is not None and body.decided_on < previous:
        raise ImplausibleDateError(
            f"decided_on is before the previous stage decision ({previous.isoformat()})",
            code="date_out_of_order",
        )
    entry_id = uuid4()
    await uow.cases.set_stage(case.case_id, body.to_stage)
    await uow.history.add_stage_change(
        case.case_id, entry_id, case.stage, body.to_stage, body.decided_on, message.who.sub
    )
    changed = ProcedureStageChanged(
        case_id=case.case_id,
        from_stage=case.stage,
        to_stage=body.to_stage,
        decided_on=body.decided_on,
    )
    uow.emit(changed, subject=case.case_id)
    details = {
        "from": case.stage.value,
        "to": body.to_stage.value,
        "decided_on": body.decided_on.isoformat(),
    }
    await add_timeline(uow, case.case_id, "stage_changed", details, entry_id=entry_id)
    if body.to_stage is ProcedureStage.FINAL_REJECTION:
        due = dl.departure_period(body.decided_on, shortened=body.departure_period_shortened)
        await schedule(uow, deps, case.case_id, due)


async def record_decision(message: m.RecordDecision, uow: CasefileUow, deps: Deps) -> None:
    """Record the person's decision (append-only: a changed mind is a new entry).

    Raises 404/410/409 (`writable_case`), `ImplausibleDateError` (422)."""
    case = await writable_case(uow, message.case_id)
    body = message.body
    plausible_past_day(body.decided_on, deps.today(), "decided_on")
    not_before_case(body.decided_on, case, "decided_on")
    entry_id = uuid4()
    await uow.history.add_decision(
        case.case_id, entry_id, body.decision.value, body.decided_on, message.who.sub
    )
    recorded = DecisionRecorded(
        case_id=case.case_id, decision=body.decision, decided_on=body.decided_on
    )
    uow.emit(recorded, subject=case.case_id)
    details = {"decision": body.decision.value, "decided_on": body.decided_on.isoformat()}
    await add_timeline(uow, case.case_id, "decision_recorded", details, entry_id=entry_id)


async def record_bottleneck(message: m.RecordBottleneck, uow: CasefileUow, deps: Deps) -> UUID:
    """Record a bottleneck and pass it on for advocacy with coarse dimensions only (category,
    stage, region, location type, country, day); returns its id.

    Raises 404/410/409 (`writable_case`), `ImplausibleDateError` (422)."""
    case = await writable_case(uow, message.case_id)
    body = message.body
    # Like a decision: observed in this case, so not before it was opened.
    plausible_past_day(body.observed_on, deps.today(), "observed_on")
    not_before_case(body.observed_on, case, "observed_on")
    bottleneck_id = uuid4()
    await uow.history.add_bottleneck(
        bottleneck_id, case, body.category.value, body.observed_on, message.who.sub
    )
    observed = BottleneckObserved(
        case_id=case.case_id,
        bottleneck_id=bottleneck_id,
        category=body.category,
        stage=case.stage,
        region=case.region,
        location_type=case.location_type,
        observed_on=body.observed_on,
        country_of_origin=case.country_of_origin,
    )
    uow.emit(observed, subject=case.case_id)
    await add_timeline(uow, case.case_id, "bottleneck_observed", {"category": body.category.value})
    return bottleneck_id


async def record_options(message: m.RecordOptions, uow: CasefileUow, deps: Deps) -> None:
    """Record an options talk (no content of the talk: options, language, interpreter,
    material codes). Raises 404/410/409 (`writable_case`), `ImplausibleDateError` (422)."""
    case = await writable_case(uow, message.case_id)
    body = message.body
    plausible_past_day(body.discussed_on, deps.today(), "discussed_on")
    not_before_case(body.discussed_on, case, "discussed_on")
    options = list(dict.fromkeys(body.options))
    await uow.history.add_options(
        case.case_id,
        options=[o.value for o in options],
        language=body.language,
        interpreter_used=body.interpreter_used,
        materials=[material.value for material in body.materials],
        discussed_on=body.discussed_on,
        by=message.who.sub,
    )
    discussed = OptionsDiscussed(
        case_id=case.case_id,
        options=options,
        language=body.language,
        interpreter_used=body.interpreter_used,
    )
    uow.emit(discussed, subject=case.case_id)
    details = {
        "options": [o.value for o in options],
        "language": body.language,
        "interpreter_used": body.interpreter_used,
    }
    await add_timeline(uow, case.case_id, "options_discussed", details)
