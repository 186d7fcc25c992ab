"""HTTP routes of referrals: request, read, review."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Response
from hub_runtime.errors import NotFoundError
from hub_runtime.openapi_errors import errors
from hub_runtime.path_ids import PathId

from referral import views
from referral.api.edge import (
    MAX_PREFER_WAIT_SECONDS,
    Edge,
    KeyHeader,
    created_id,
    prefer_wait_seconds,
    staff_key,
)
from referral.api.language import Language, in_language
from referral.api.models import ReferralOut
from referral.bodies import RequestReferral, ReviewReferral
from referral.domain.model import CaseView
from referral.handlers.referrals import view_lets_request_through
from referral.messages import DecideReview, ReferCase
from referral.permissions import Coordinator, Staff
from referral.view_catch_up import Settled

Prefer = Annotated[
    str | None,
    Header(
        description="Optional, RFC 7240 `wait=N`. Without it the service already"
        " brings its view of the case level with the case file before judging a"
        " request the view would refuse; when the case file cannot confirm where the"
        f" case stands, the view gets up to N seconds (at most {MAX_PREFER_WAIT_SECONDS})"
        " to catch up instead of being judged at once"
    ),
]


def referrals_router(edge: Edge) -> APIRouter:
    """``/cases/{case_id}/referrals``, ``/referrals/{referral_id}`` (review: coordinators)."""
    router = APIRouter(tags=["referrals"])

    async def read(referral_id: UUID, language: str) -> ReferralOut:
        async with edge.reads() as uow:
            record = await views.referral(uow, edge.vault, referral_id)
        if record is None:
            raise NotFoundError("the referral")
        return ReferralOut.of(record, language)

    @router.post(
        "/cases/{case_id}/referrals",
        status_code=201,
        summary="Request a referral; the policy approves, refuses (with every reason) or asks"
        " a coordinator",
        responses=errors(409, 410),
    )
    async def request(
        case_id: PathId,
        body: RequestReferral,
        who: Staff,
        response: Response,
        language: Language,
        prefer: Prefer = None,
        key: KeyHeader = None,
    ) -> ReferralOut:
        in_language(response, language)
        wait = prefer_wait_seconds(prefer)
        if wait:
            response.headers["Preference-Applied"] = f"wait={wait:g}"

        def passes(case: CaseView | None) -> bool:
            return view_lets_request_through(case_id, body, case)

        # Judged on the case as the case file now has it, not on Kafka's lag (a refusal that
        # only reflects the lag would also be counted by signals).
        settled = await edge.view.settle(edge.reads, case_id, passes, prefer_wait=wait)
        if settled is Settled.NO_SUCH_CASE:
            raise NotFoundError("the case", code="case_not_found")
        answer, replayed = await edge.bus.dispatch_idempotent(
            ReferCase(case_id, body, who.sub),
            staff_key(who, key, f"POST /cases/{case_id}/referrals", body),
        )
        return await read(created_id(answer, replayed, response), language)

    @router.get("/cases/{case_id}/referrals", summary="Every referral of the case")
    async def of_case(
        case_id: PathId, who: Staff, response: Response, language: Language
    ) -> list[ReferralOut]:
        in_language(response, language)
        async with edge.reads() as uow:
            records = await views.referrals(uow, edge.vault, case_id)
        return [ReferralOut.of(r, language) for r in records]

    @router.get("/referrals/{referral_id}", summary="One referral, with why it was refused")
    async def one(
        referral_id: PathId, who: Staff, response: Response, language: Language
    ) -> ReferralOut:
        in_language(response, language)
        return await read(referral_id, language)

    @router.post(
        "/referrals/{referral_id}/review",
        summary="A coordinator approves, overrides (audited) or refuses a referral under review",
        responses=errors(409),
    )
    async def review(
        referral_id: PathId,
        body: ReviewReferral,
        who: Coordinator,
        response: Response,
        language: Language,
    ) -> ReferralOut:
        in_language(response, language)
        await edge.bus.dispatch(DecideReview(referral_id, body, who.sub))
        return await read(referral_id, language)

    return router
