"""The HTTP edge for counsellors' tools (and the gateway's internal disclosure call).

Roles: counsellors and coordinators work on cases; admins manage (see cases without personal
data, erase, read the access log); advocacy has no access to cases at all; the `service` role
(the partner gateway, referral) may only call the internal endpoints: the disclosure, and the
newest event of a case (read-your-writes for referral).
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal, TypeVar
from uuid import UUID

from fastapi import APIRouter, Body, Depends, FastAPI, Query
from fastapi.responses import JSONResponse, PlainTextResponse
from hub_contracts import Topic
from hub_contracts.codes import MAX_OFFSET, BoundedInt
from hub_contracts.registry import EVENT_TYPE_PATTERN
from hub_runtime.asyncapi import asyncapi_document
from hub_runtime.auth import Principal, Role, install, requires
from hub_runtime.errors import InvalidError, NotFoundError
from hub_runtime.http import create_app
from hub_runtime.openapi_errors import errors
from hub_runtime.service import ServiceContext
from hub_runtime.unit_of_work import UnitOfWork

from casefile import commands as cmd
from casefile import disclosures, efforts, handlers, repository, workers
from casefile.handlers import Deps

T = TypeVar("T")

PUBLISHES = [Topic.CASEFILE_EVENTS]
CONSUMES = [Topic.REFERRAL_EVENTS, Topic.PARTNER_EVENTS]
PERSONAL_READERS = (Role.COUNSELLOR, Role.COORDINATOR)
# Error statuses a route's handler answers beyond those the edge derives (see
# hub_runtime.openapi_errors): 410 once the person was erased, 409 for a refused change.
GONE = errors(410)
REFUSED_OR_GONE = errors(409, 410)

Worker = Annotated[Principal, Depends(requires(Role.COUNSELLOR, Role.COORDINATOR))]
"""Counsellors and coordinators: they work on cases."""
Reader = Annotated[Principal, Depends(requires(Role.COUNSELLOR, Role.COORDINATOR, Role.ADMIN))]
"""Who may read a case (admins without its personal data)."""
Manager = Annotated[Principal, Depends(requires(Role.COORDINATOR, Role.ADMIN))]
"""Who may erase a person and read the erasure and the access log."""
Service = Annotated[Principal, Depends(requires(Role.SERVICE))]
"""The hub's own services (the gateway's disclosure call, referral's read-your-writes)."""


def build_app(ctx: ServiceContext, deps: Deps) -> FastAPI:

    app = create_app(
        service=ctx.name,
        title="casefile",
        description="Case files of counselled persons: procedure, deadlines, options, decisions,"
        " bottlenecks and a timeline. Personal data is encrypted per person and erasable.",
        max_body_bytes=ctx.hub.max_body_bytes,
        readiness=ctx.readiness_checks(),
        asyncapi=lambda: asyncapi_document(ctx.name, PUBLISHES, CONSUMES),
    )
    install(app, ctx.hub.jwt_secret.get_secret_value())
    app.include_router(_cases_router(ctx, deps))
    app.include_router(_internal_router(ctx, deps))
    return app


async def _in_uow(ctx: ServiceContext, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Run a use case in one transaction and commit it (an exception rolls everything back)."""
    async with ctx.unit_of_work() as uow:
        result = await work(uow)
        await uow.commit()
    return result


def _cases_router(ctx: ServiceContext, deps: Deps) -> APIRouter:
    router = APIRouter(prefix="/cases", tags=["cases"])

    @router.post("", status_code=201, summary="Open a case (emits CaseOpened)")
    async def open_case(body: cmd.OpenCase, who: Worker) -> dict[str, Any]:
        case_id = await _in_uow(ctx, lambda u: handlers.open_case(u, deps, body, who))
        return {"case_id": case_id}

    @router.get("", summary="Open cases, the nearest upcoming deadline first")
    async def list_cases(
        who: Reader,
        sort: Literal["deadline"] = "deadline",
        limit: Annotated[int, Query(), BoundedInt(1, 500)] = 50,
        offset: Annotated[int, Query(), BoundedInt(0, MAX_OFFSET)] = 0,
    ) -> dict[str, Any]:
        del who, sort
        items = await _in_uow(ctx, lambda u: handlers.list_by_deadline(u, deps, limit, offset))
        return {"items": items}

    @router.get(
        "/{case_id}",
        summary="A case with its timeline (personal data: counsellors)",
        responses=GONE,
    )
    async def read_case(case_id: UUID, who: Reader) -> dict[str, Any]:
        with_person = who.role in PERSONAL_READERS
        return await _in_uow(
            ctx,
            lambda u: handlers.read_case(u, deps, case_id, who, with_person=with_person),
        )

    @router.patch(
        "/{case_id}", summary="Change coarse facts (location, region, flags)", responses=GONE
    )
    async def update_case(
        case_id: UUID,
        body: cmd.UpdateCase,
        who: Worker,
    ) -> dict[str, Any]:
        del who
        await _in_uow(ctx, lambda u: handlers.update_case(u, deps, case_id, body))
        return {"case_id": case_id}

    @router.put(
        "/{case_id}/person", summary="Replace the person's data and household", responses=GONE
    )
    async def update_person(
        case_id: UUID,
        body: cmd.UpdatePerson,
        who: Worker,
    ) -> dict[str, Any]:
        del who
        await _in_uow(ctx, lambda u: handlers.update_person(u, deps, case_id, body))
        return {"case_id": case_id}

    @router.post(
        "/{case_id}/stage", summary="Record a procedure stage change", responses=REFUSED_OR_GONE
    )
    async def change_stage(
        case_id: UUID,
        body: cmd.ChangeStage,
        who: Worker,
    ) -> dict[str, Any]:
        await _in_uow(ctx, lambda u: handlers.change_stage(u, deps, case_id, body, who))
        return {"case_id": case_id, "stage": body.to_stage}

    @router.post(
        "/{case_id}/decision",
        status_code=201,
        summary="Record the person's decision",
        responses=GONE,
    )
    async def record_decision(
        case_id: UUID,
        body: cmd.RecordDecision,
        who: Worker,
    ) -> dict[str, Any]:
        await _in_uow(ctx, lambda u: handlers.record_decision(u, deps, case_id, body, who))
        return {"case_id": case_id, "decision": body.decision}

    @router.post(
        "/{case_id}/bottlenecks", status_code=201, summary="Record a bottleneck", responses=GONE
    )
    async def record_bottleneck(
        case_id: UUID,
        body: cmd.RecordBottleneck,
        who: Worker,
    ) -> dict[str, Any]:
        bid = await _in_uow(ctx, lambda u: handlers.record_bottleneck(u, deps, case_id, body, who))
        return {"case_id": case_id, "bottleneck_id": bid}

    @router.post(
        "/{case_id}/options", status_code=201, summary="Record options discussed", responses=GONE
    )
    async def record_options(
        case_id: UUID,
        body: cmd.RecordOptions,
        who: Worker,
    ) -> dict[str, Any]:
        await _in_uow(ctx, lambda u: handlers.record_options(u, deps, case_id, body, who))
        return {"case_id": case_id}

    @router.post(
        "/{case_id}/efforts",
        status_code=201,
        summary="Record an own effort (dossier)",
        responses=GONE,
    )
    async def record_effort(
        case_id: UUID,
        body: cmd.RecordEffort,
        who: Worker,
    ) -> dict[str, Any]:
        eid = await _in_uow(ctx, lambda u: efforts.record_effort(u, deps, case_id, body, who))
        return {"case_id": case_id, "effort_id": eid}

    @router.get(
        "/{case_id}/buitenschuld-dossier", summary="The dossier as one document", responses=GONE
    )
    async def dossier(
        case_id: UUID,
        who: Worker,
        format: Literal["json", "markdown"] = "json",
    ) -> Any:
        document = await _in_uow(ctx, lambda u: efforts.buitenschuld_dossier(u, deps, case_id, who))
        if format == "markdown":
            return PlainTextResponse(efforts.dossier_markdown(document), media_type="text/markdown")
        return document

    @router.post(
        "/{case_id}/deadlines", status_code=201, summary="Track a deadline", responses=GONE
    )
    async def schedule_deadline(
        case_id: UUID,
        body: Annotated[cmd.ScheduleDeadline, Body()],
        who: Worker,
    ) -> dict[str, Any]:
        del who
        did = await _in_uow(ctx, lambda u: handlers.schedule_deadline(u, deps, case_id, body))
        return {"case_id": case_id, "deadline_id": did}

    @router.post(
        "/{case_id}/close",
        summary="Close the case (starts the retention period)",
        responses=REFUSED_OR_GONE,
    )
    async def close_case(
        case_id: UUID,
        body: cmd.CloseCase,
        who: Worker,
    ) -> dict[str, Any]:
        await _in_uow(ctx, lambda u: handlers.close_case(u, deps, case_id, body, who))
        return {"case_id": case_id, "closed_on": body.closed_on}

    @router.delete(
        "/{case_id}/person", summary="Erase the person (crypto-shredding)", responses=GONE
    )
    async def erase(case_id: UUID, who: Manager) -> dict[str, Any]:
        await _in_uow(
            ctx,
            lambda u: handlers.erase_person(u, deps, case_id, by=who.sub, reason="request"),
        )
        await workers.vacuum_destroyed_keys(ctx)
        return {"case_id": case_id, "erased": True}

    @router.get("/{case_id}/erasure", summary="The erasure tombstone (auditable trace)")
    async def tombstone(case_id: UUID, who: Manager) -> dict[str, Any]:
        del who
        async with ctx.pool.acquire() as conn:
            stone = await repository.get_tombstone(conn, case_id)
        if stone is None:
            raise NotFoundError("an erasure of this case")
        return {
            "case_id": stone.case_id,
            "erased_at": stone.erased_at,
            "erased_by": stone.erased_by,
            "reason": stone.reason,
        }

    @router.get("/{case_id}/access-log", summary="Every read of the person's data")
    async def access_log(case_id: UUID, who: Manager) -> dict[str, Any]:
        del who
        async with ctx.pool.acquire() as conn:
            return {"items": await repository.access_log(conn, case_id)}

    return router


def _internal_router(ctx: ServiceContext, deps: Deps) -> APIRouter:
    router = APIRouter(prefix="/internal", tags=["internal"])

    @router.post(
        "/disclosures",
        summary="Disclose consented categories to the gateway",
        responses=errors(404, 410, 503),
    )
    async def disclose(body: cmd.DisclosureIn, who: Service) -> JSONResponse:
        result = await _in_uow(ctx, lambda u: disclosures.disclose(u, deps, body, who))
        return JSONResponse(status_code=result.status, content=result.body)

    @router.get(
        "/cases/{case_id}/events/newest",
        summary="The newest committed event of the case among some types (read-your-writes)",
        responses=errors(422),
    )
    async def newest_event(
        case_id: UUID,
        who: Service,
        event_types: Annotated[list[str], Query(alias="type", min_length=1, max_length=32)],
    ) -> dict[str, Any]:
        """`{"event_id": <uuid> | null}`: the envelope id of the newest event of the case among
        the types asked, committed here (published or not). Another service whose view of the
        case is fed by these events waits until it has applied that event before it judges a
        request, so a caller's earlier write here is seen there (read-your-writes)."""
        del who
        if not all(EVENT_TYPE_PATTERN.fullmatch(t) for t in event_types):
            raise InvalidError(
                "type must be event types such as council.casefile.CaseOpened.v1",
                code="invalid_event_type",
            )
        async with ctx.pool.acquire() as conn:
            found = await repository.newest_event_of_case(
                conn, case_id, str(Topic.CASEFILE_EVENTS), event_types
            )
        return {"event_id": None if found is None else str(found)}

    return router
