"""Routes of the case's recorded history: stage, decisions, corrections, bottlenecks, options,
efforts and the dossier, deadlines."""

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Body, Response
from fastapi.responses import PlainTextResponse
from hub_runtime.bus import MessageBus
from hub_runtime.edge_head import discloses_personal_data
from hub_runtime.openapi_errors import errors
from hub_runtime.path_ids import PathId

from casefile import bodies as b
from casefile import messages as m
from casefile.api import responses as out
from casefile.api.keys import KeyHeader, once
from casefile.api.markdown import dossier_markdown
from casefile.api.roles import GONE, REFUSED_OR_GONE, Worker

MARKDOWN: dict[str, Any] = {
    "description": "The dossier (JSON, or Markdown with `format=markdown`)",
    "content": {"text/markdown": {"schema": {"type": "string"}}},
}


def router(bus: MessageBus[Any, Any]) -> APIRouter:
    """``/cases/{case_id}/...``: what is recorded on a case."""
    r = APIRouter(prefix="/cases", tags=["cases"])

    @r.post(
        "/{case_id}/stage", summary="Record a procedure stage change", responses=REFUSED_OR_GONE
    )
    async def change_stage(
        case_id: PathId, body: b.ChangeStage, who: Worker, response: Response, key: KeyHeader = None
    ) -> out.StageChanged:
        route = f"POST /cases/{case_id}/stage"
        message = m.ChangeStage(case_id, body, who)
        await once(bus, message, who=who, key=key, route=route, body=body, response=response)
        return out.StageChanged(case_id=case_id, stage=body.to_stage)

    @r.post(
        "/{case_id}/decision",
        status_code=201,
        summary="Record the person's decision",
        responses=REFUSED_OR_GONE,
    )
    async def record_decision(
        case_id: PathId,
        body: b.RecordDecision,
        who: Worker,
        response: Response,
        key: KeyHeader = None,
    ) -> out.DecisionRecorded:
        route = f"POST /cases/{case_id}/decision"
        message = m.RecordDecision(case_id, body, who)
        await once(bus, message, who=who, key=key, route=route, body=body, response=response)
        return out.DecisionRecorded(case_id=case_id, decision=body.decision)

    @r.post(
        "/{case_id}/corrections",
        status_code=201,
        summary="Correct the mistyped date of a recorded decision or stage change",
        description="A new record beside the original (which stays as recorded), with who"
        " corrected it and why. Deadlines counted from the date are tracked anew. Emits"
        " DecisionDateCorrected or StageChangeDateCorrected.",
        responses=errors(404, 409, 410),
    )
    async def correct_date(
        case_id: PathId,
        body: b.CorrectRecordedDate,
        who: Worker,
        response: Response,
        key: KeyHeader = None,
    ) -> out.DateCorrected:
        route = f"POST /cases/{case_id}/corrections"
        message = m.CorrectRecordedDate(case_id, body, who)
        answer = await once(
            bus, message, who=who, key=key, route=route, body=body, response=response
        )
        correction_id = UUID(answer)
        return out.DateCorrected(
            case_id=case_id,
            correction_id=correction_id,
            entry_id=body.entry_id,
            decided_on=body.decided_on,
        )

    @r.post(
        "/{case_id}/bottlenecks",
        status_code=201,
        summary="Record a bottleneck",
        responses=REFUSED_OR_GONE,
    )
    async def record_bottleneck(
        case_id: PathId,
        body: b.RecordBottleneck,
        who: Worker,
        response: Response,
        key: KeyHeader = None,
    ) -> out.BottleneckRecorded:
        route = f"POST /cases/{case_id}/bottlenecks"
        message = m.RecordBottleneck(case_id, body, who)
        answer = await once(
            bus, message, who=who, key=key, route=route, body=body, response=response
        )
        bottleneck_id = UUID(answer)
        return out.BottleneckRecorded(case_id=case_id, bottleneck_id=bottleneck_id)

    @r.post(
        "/{case_id}/options",
        status_code=201,
        summary="Record options discussed",
        responses=REFUSED_OR_GONE,
    )
    async def record_options(
        case_id: PathId,
        body: b.RecordOptions,
        who: Worker,
        response: Response,
        key: KeyHeader = None,
    ) -> out.CaseRef:
        route = f"POST /cases/{case_id}/options"
        message = m.RecordOptions(case_id, body, who)
        await once(bus, message, who=who, key=key, route=route, body=body, response=response)
        return out.CaseRef(case_id=case_id)

    @r.post(
        "/{case_id}/efforts",
        status_code=201,
        summary="Record an own effort (dossier)",
        responses=REFUSED_OR_GONE,
    )
    async def record_effort(
        case_id: PathId, body: b.RecordEffort, who: Worker
    ) -> out.EffortRecorded:
        effort_id = await bus.dispatch(m.RecordEffort(case_id, body, who))
        return out.EffortRecorded(case_id=case_id, effort_id=effort_id)

    @r.get(
        "/{case_id}/buitenschuld-dossier",
        summary="The dossier as one document",
        response_model=out.Dossier,
        responses={**GONE, 200: MARKDOWN},
    )
    @discloses_personal_data  # the read is logged: HEAD is 405, never a read without a body
    async def dossier(
        case_id: PathId, who: Worker, format: Literal["json", "markdown"] = "json"
    ) -> Any:
        document = await bus.dispatch(m.ReadDossier(case_id, who))
        if format == "markdown":
            return PlainTextResponse(dossier_markdown(document), media_type="text/markdown")
        return out.Dossier.model_validate(document)

    @r.post(
        "/{case_id}/deadlines",
        status_code=201,
        summary="Track a deadline",
        responses=REFUSED_OR_GONE,
    )
    async def schedule_deadline(
        case_id: PathId, body: Annotated[b.ScheduleDeadline, Body()], who: Worker
    ) -> out.DeadlineTracked:
        del who
        deadline_id = await bus.dispatch(m.ScheduleDeadline(case_id, body))
        return out.DeadlineTracked(case_id=case_id, deadline_id=deadline_id)

    return r
