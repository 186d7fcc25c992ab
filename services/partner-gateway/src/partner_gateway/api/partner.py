"""The partners' API: token exchange, disclosure, reports, notice acks and the pull inbox.

Every POST needs an Idempotency-Key (IETF ``draft-ietf-httpapi-idempotency-key-header``),
scoped to the partner: a repeat answers the first answer with ``Idempotent-Replayed: true``.
"""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from hub_contracts.codes import CURSOR, BoundedInt
from hub_runtime import idempotency
from hub_runtime.auth import Principal, Role, requires
from hub_runtime.bus import IdempotencyKey, Message
from hub_runtime.edge_head import discloses_personal_data
from hub_runtime.errors import BadRequestError
from hub_runtime.openapi_errors import errors, raises
from hub_runtime.path_ids import PathId
from pydantic import BaseModel

from partner_gateway import messages as m
from partner_gateway.api import answers as out
from partner_gateway.api import token
from partner_gateway.api.models import MonitoringReport, StatusReport
from partner_gateway.disclosure import disclose
from partner_gateway.repository.rate_limits import RateLimits
from partner_gateway.routes import GatewayBus

PartnerToken = Annotated[Principal, Depends(requires(Role.PARTNER))]


@raises(*idempotency.KEY_ERRORS)
async def required_key(
    request: Request, key: Annotated[str | None, Header(alias=idempotency.HEADER)] = None
) -> str:
    """The request's Idempotency-Key; 400 ``idempotency_key_missing`` without one (a coroutine:
    FastAPI would run a plain function in a worker thread)."""
    if key is None:
        raise BadRequestError(
            "the Idempotency-Key header is required on every POST", code="idempotency_key_missing"
        )
    return idempotency.checked_key(key, request)


IdemKey = Annotated[str, Depends(required_key)]


def parse_cursor(cursor: str | None) -> int:
    """The sequence number after which to read; 400 ``bad_cursor`` for anything this API never
    gave out. Parsed whole and ASCII only (``hub_contracts.codes.CURSOR``): "²" or "١٢" pass
    ``str.isdigit`` and must not be read as numbers."""
    if cursor is None or cursor == "":
        return 0
    try:
        return int(CURSOR.validate(cursor))
    except ValueError:
        raise BadRequestError(
            "the cursor is not one this API gave out", code="bad_cursor"
        ) from None


def _slow_down(wait: float, detail: str) -> HTTPException:
    return HTTPException(429, detail=detail, headers={"Retry-After": str(max(1, round(wait)))})


def router(bus: GatewayBus, limiter: RateLimits, token_ttl_seconds: int) -> APIRouter:
    """``/partner/...`` routes on ``bus``; ``limiter``: a rate limit per partner (and per
    client id at the token exchange), shared by the gateway's instances."""
    routes = APIRouter(prefix="/partner", tags=["partner"])

    @raises(429)  # 401 and 403 come with PartnerToken and the admission
    async def current_partner(principal: PartnerToken) -> UUID:
        wait = await limiter.acquire(str(principal.partner_id))
        if wait > 0:
            raise _slow_down(wait, "too many requests for this partner; slow down")
        return await bus.read(m.AdmitPartner(principal))

    # Evaluated here, not postponed: FastAPI reads these annotations at definition time.
    PartnerId = Annotated[UUID, Depends(current_partner)]  # noqa: N806

    async def once(
        message: Message[Any], partner_id: UUID, key: str, route: str, body: BaseModel | None
    ) -> JSONResponse:
        """Dispatch under the partner's key; 202 with the answer (the first one on a repeat)."""
        request_hash = idempotency.fingerprint(
            route, None if body is None else body.model_dump(mode="json")
        )
        scoped = IdempotencyKey(f"partner:{partner_id}", key, request_hash)
        answer, replayed = await bus.dispatch_idempotent(message, scoped)
        headers = {idempotency.REPLAYED_HEADER: "true"} if replayed else {}
        return JSONResponse(answer, status_code=202, headers=headers)

    token.add(routes, bus, limiter, token_ttl_seconds)

    @routes.get(
        "/referrals/{referral_id}",
        summary="The referral's consented data (a disclosure)",
        response_model=out.ReferralData,
        responses=errors(409, 410, 503),
    )
    @discloses_personal_data  # HEAD: 405, never a logged disclosure without a body
    async def referral(referral_id: PathId, partner_id: PartnerId) -> JSONResponse:
        body = await disclose(bus, partner_id, referral_id)
        # Personal data: no cache anywhere on the way.
        return JSONResponse(body, headers={"cache-control": "no-store"})

    @routes.post(
        "/referrals/{referral_id}/status",
        status_code=202,
        summary="Report a status",
        response_model=out.StatusAccepted,
        responses=errors(409, 410),
    )
    async def status(
        referral_id: PathId,
        body: StatusReport,
        partner_id: PartnerId,
        key: IdemKey,
    ) -> JSONResponse:
        report = m.ReportStatus(partner_id, referral_id, body.status, body.reason_code)
        return await once(report, partner_id, key, f"status:{referral_id}", body)

    @routes.post(
        "/referrals/{referral_id}/monitoring",
        status_code=202,
        summary="Post-return",
        response_model=out.MonitoringAccepted,
        responses=errors(410),
    )
    async def monitoring(
        referral_id: PathId,
        body: MonitoringReport,
        partner_id: PartnerId,
        key: IdemKey,
    ) -> JSONResponse:
        report = m.ReportMonitoring(
            partner_id, referral_id, body.months_after_return, tuple(body.outcomes)
        )
        return await once(report, partner_id, key, f"monitoring:{referral_id}", body)

    @routes.post(
        "/notices/{notice_id}/ack",
        status_code=202,
        summary="Acknowledge a notice",
        response_model=out.NoticeAcknowledged,
    )
    async def ack(notice_id: PathId, partner_id: PartnerId, key: IdemKey) -> JSONResponse:
        acknowledgement = m.AcknowledgeNotice(partner_id, notice_id)
        return await once(acknowledgement, partner_id, key, f"ack:{notice_id}", None)

    @routes.get(
        "/inbox",
        summary="Pull inbox: notifications after the cursor, oldest first; a referral.ready"
        " whose referral no longer holds (or is suspended) is left out, its notice stays",
        responses=errors(400),
    )
    async def inbox(
        partner_id: PartnerId,
        cursor: Annotated[str | None, Query(max_length=32)] = None,
        limit: Annotated[int, Query(), BoundedInt(1, 200)] = 50,
    ) -> out.Inbox:
        page = await bus.dispatch(m.ReadInbox(partner_id, parse_cursor(cursor), limit))
        return out.Inbox(items=page.items, next_cursor=page.next_cursor)

    return routes
