"""Internal routes (role ``service``): the gateway's disclosure call and referral's
read-your-writes query."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from hub_contracts.registry import EVENT_TYPE_PATTERN
from hub_runtime.bus import MessageBus
from hub_runtime.errors import InvalidError
from hub_runtime.openapi_errors import errors
from hub_runtime.path_ids import PathId

from casefile import bodies as b
from casefile import messages as m
from casefile.api import responses as out
from casefile.api.roles import Service


def router(bus: MessageBus[Any, Any]) -> APIRouter:
    """``/internal``: calls of the hub's own services."""
    r = APIRouter(prefix="/internal", tags=["internal"])

    @r.post(
        "/disclosures",
        summary="Disclose consented categories to the gateway",
        responses=errors(404, 410, 503),
    )
    async def disclose(body: b.DisclosureIn, who: Service) -> out.Disclosure:
        """200 with the categories; 403 a rule refuses; 410 covered once, not any more; 503
        casefile's view has not seen the partner or consent yet (retry). The refused read is
        in the access log: the refusal is raised after it committed."""
        answer: m.DisclosureAnswer = await bus.dispatch(m.Disclose(body, who))
        if answer.refusal is not None:
            raise answer.refusal
        return out.Disclosure(case_id=answer.case_id, categories=answer.categories)

    @r.get(
        "/cases/{case_id}/events/newest",
        summary="The newest committed event of the case among some types (read-your-writes)",
        responses=errors(422),
    )
    async def newest_event(
        case_id: PathId,
        who: Service,
        event_types: Annotated[list[str], Query(alias="type", min_length=1, max_length=32)],
    ) -> out.NewestEvent:
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
        found = await bus.read(m.NewestEvent(case_id, tuple(event_types)))
        return out.NewestEvent(event_id=found)

    return r
