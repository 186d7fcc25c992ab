"""Routes of the case itself: open, list, read, change facts, rectify, close, erase, audit."""

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response
from hub_contracts.codes import MAX_OFFSET, BoundedInt
from hub_runtime.bus import MessageBus
from hub_runtime.edge_head import discloses_personal_data
from hub_runtime.path_ids import PathId
from hub_runtime.service import ServiceContext

from casefile import bodies as b
from casefile import messages as m
from casefile import workers
from casefile.api import responses as out
from casefile.api.keys import KeyHeader, once
from casefile.api.roles import (
    CONFLICT,
    GONE,
    PERSONAL_READERS,
    REFUSED_OR_GONE,
    Manager,
    Reader,
    Worker,
)


def router(bus: MessageBus[Any, Any], ctx: ServiceContext) -> APIRouter:
    """``/cases``: the case and its person."""
    r = APIRouter(prefix="/cases", tags=["cases"])

    @r.post(
        "",
        status_code=201,
        summary="Open a case (emits CaseOpened)",
        description="409 `person_already_known` (with the open case's `case_id`) when a person"
        " with the same name and date of birth (compared through casefile's blind index) has"
        " an open case already.",
        responses=CONFLICT,
    )
    async def open_case(
        body: b.OpenCase, who: Worker, response: Response, key: KeyHeader = None
    ) -> out.CaseRef:
        answer = await once(
            bus,
            m.OpenCase(body, who),
            who=who,
            key=key,
            route="POST /cases",
            body=body,
            response=response,
        )
        return out.CaseRef(case_id=UUID(answer))

    @r.post(
        "/validate",
        summary="Validate-only: would this case open? (writes nothing)",
        description="Runs every check of `POST /cases` (the body, the dates against today and"
        " the person's age, the household) in a transaction that is rolled back: no case, no"
        " event, no key is left. Answers 200 when the case would open, else the refusal"
        " `POST /cases` would answer (409 `person_already_known` included). For a caseload"
        " import's dry run.",
        responses=CONFLICT,
    )
    async def validate_case(body: b.OpenCase, who: Worker) -> out.CaseValidated:
        await bus.try_out(m.OpenCase(body, who))
        return out.CaseValidated(valid=True)

    @r.get("", summary="Open cases, the nearest upcoming deadline first")
    async def list_cases(
        who: Reader,
        sort: Literal["deadline"] = "deadline",
        limit: Annotated[int, Query(), BoundedInt(1, 500)] = 50,
        offset: Annotated[int, Query(), BoundedInt(0, MAX_OFFSET)] = 0,
    ) -> out.CaseList:
        del who, sort
        return out.CaseList.model_validate(
            {"items": await bus.read(m.ListCasesByDeadline(limit, offset))}
        )

    @r.get(
        "/{case_id}",
        summary="A case with its timeline (personal data: counsellors)",
        responses=GONE,
    )
    @discloses_personal_data  # the person's read is logged: HEAD is 405, never a read unsent
    async def read_case(case_id: PathId, who: Reader) -> out.CaseView:
        with_person = who.role in PERSONAL_READERS
        return out.CaseView.model_validate(
            await bus.dispatch(m.ReadCase(case_id, who, with_person))
        )

    @r.patch(
        "/{case_id}",
        summary="Change coarse facts (location, region, flags)",
        responses=REFUSED_OR_GONE,
    )
    async def update_case(case_id: PathId, body: b.UpdateCase, who: Worker) -> out.CaseRef:
        del who
        await bus.dispatch(m.UpdateCase(case_id, body))
        return out.CaseRef(case_id=case_id)

    @r.put(
        "/{case_id}/person",
        summary="Replace the person's data and household",
        responses=REFUSED_OR_GONE,
    )
    async def update_person(case_id: PathId, body: b.UpdatePerson, who: Worker) -> out.CaseRef:
        del who
        await bus.dispatch(m.UpdatePerson(case_id, body))
        return out.CaseRef(case_id=case_id)

    @r.post(
        "/{case_id}/close",
        summary="Close the case (starts the retention period)",
        responses=REFUSED_OR_GONE,
    )
    async def close_case(case_id: PathId, body: b.CloseCase, who: Worker) -> out.CaseClosed:
        await bus.dispatch(m.CloseCase(case_id, body, who))
        return out.CaseClosed(case_id=case_id, closed_on=body.closed_on)

    @r.delete("/{case_id}/person", summary="Erase the person (crypto-shredding)", responses=GONE)
    async def erase(case_id: PathId, who: Manager) -> out.PersonErased:
        await bus.dispatch(m.ErasePerson(case_id, by=who.sub, reason="request"))
        await workers.vacuum_destroyed_keys(ctx)
        return out.PersonErased(case_id=case_id, erased=True)

    @r.get("/{case_id}/erasure", summary="The erasure tombstone (auditable trace)")
    async def tombstone(case_id: PathId, who: Manager) -> out.Tombstone:
        del who
        stone = await bus.read(m.ReadTombstone(case_id))
        return out.Tombstone(
            case_id=stone.case_id,
            erased_at=stone.erased_at,
            erased_by=stone.erased_by,
            reason=stone.reason,
        )

    @r.get("/{case_id}/access-log", summary="Every read of the person's data")
    async def access_log(case_id: PathId, who: Manager) -> out.AccessLog:
        del who
        return out.AccessLog.model_validate({"items": await bus.read(m.ReadAccessLog(case_id))})

    return r
