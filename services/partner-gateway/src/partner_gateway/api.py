"""The gateway's HTTP edge: the admin API and the partners' API."""

import time
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query
from fastapi.responses import JSONResponse
from hub_contracts import DeclineReason, MonitoringOutcome, PartnerReportedStatus, Topic
from hub_contracts.codes import CURSOR, AsciiCode, BoundedInt, ClientId, ClientSecret, UniqueItems
from hub_runtime import idempotency
from hub_runtime.asyncapi import asyncapi_document
from hub_runtime.auth import Principal, Role, install, requires
from hub_runtime.errors import BadRequestError, InvalidError, NotFoundError
from hub_runtime.http import create_app
from hub_runtime.openapi_errors import errors, raises
from hub_runtime.service import ServiceContext
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, model_validator

from partner_gateway import credentials, disclosure, handlers, webhook_target
from partner_gateway import inbox as pull_inbox
from partner_gateway.casefile_client import Casefile
from partner_gateway.clock import Clock
from partner_gateway.config import Settings
from partner_gateway.domain.delivery import DeliveryState
from partner_gateway.domain.ratelimit import RateLimiter
from partner_gateway.domain.webhook_url import WebhookUrlRefusedError
from partner_gateway.repository import Repositories

PUBLISHES = [Topic.PARTNER_EVENTS]
CONSUMES = [Topic.REFERRAL_EVENTS, Topic.CASEFILE_EVENTS]

ReasonCode = Annotated[str, AsciiCode("[a-z_]{1,64}")]
Limit = Annotated[int, Query(), BoundedInt(1, 500)]
Admin = Annotated[Principal, Depends(requires(Role.ADMIN))]
PartnerWho = Annotated[Principal, Depends(requires(Role.PARTNER))]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebhookRegistration(_Strict):
    url: AnyHttpUrl = Field(
        description="The partner's endpoint: https, without user:password@, on a public"
        " address (checked again before every delivery); development (HUB_ENV) allows any"
    )


class WebhookRegistered(_Strict):
    partner_id: UUID
    url: str
    secret: str = Field(description="Standard Webhooks signing secret (whsec_...); shown once")
    previous_secret_valid_until: datetime | None


class StatusReport(_Strict):
    status: PartnerReportedStatus
    reason_code: DeclineReason | None = Field(
        default=None,
        description="Why the partner declines, from a closed list (required for a decline,"
        " not allowed otherwise): a free code could carry a name or a diagnosis onto Kafka,"
        " where erasure cannot reach it",
    )

    @model_validator(mode="after")
    def _reason_only_for_a_decline(self) -> Self:
        declined = self.status is PartnerReportedStatus.DECLINED
        if declined and self.reason_code is None:
            raise ValueError("a decline needs a reason_code")
        if not declined and self.reason_code is not None:
            raise ValueError("only a decline carries a reason_code")
        return self


class MonitoringReport(_Strict):
    months_after_return: Annotated[int, BoundedInt(0, 120)]
    outcomes: Annotated[list[MonitoringOutcome], UniqueItems()] = Field(
        min_length=1, max_length=len(MonitoringOutcome)
    )


class TokenRequest(_Strict):
    grant_type: Literal["client_credentials"] = "client_credentials"
    client_id: ClientId
    client_secret: ClientSecret


class TokenResponse(_Strict):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 (a scheme name)
    expires_in: int


class ClientCreated(_Strict):
    client_id: str
    client_secret: str = Field(description="Shown once; only its scrypt hash is stored")
    previous_secret_valid_until: datetime | None = None


def build_app(ctx: ServiceContext, settings: Settings, casefile: Casefile, clock: Clock) -> FastAPI:

    app = create_app(
        service=ctx.name,
        title="Partner gateway",
        description="Signed webhooks to partners, disclosures through casefile, partners' reports.",
        max_body_bytes=settings.max_body_bytes,
        readiness=ctx.readiness_checks(),
        asyncapi=lambda: asyncapi_document(ctx.name, PUBLISHES, CONSUMES),
    )
    install(app, ctx.hub.jwt_secret.get_secret_value())
    limiter = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
    app.include_router(_admin_router(ctx, settings))
    app.include_router(_partner_router(ctx, settings, limiter, casefile, clock))
    return app


def _admin_router(ctx: ServiceContext, settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/admin", tags=["admin"])
    overlap = timedelta(seconds=settings.credential_overlap_seconds)

    @router.put(
        "/partners/{partner_id}/webhook",
        summary="Register or rotate a partner's webhook",
        responses=errors(409),
    )
    async def put_webhook(
        partner_id: UUID,
        body: WebhookRegistration,
        who: Admin,
    ) -> WebhookRegistered:
        try:
            await webhook_target.check(str(body.url), development=ctx.hub.development)
        except WebhookUrlRefusedError as refused:
            raise InvalidError(refused.reason, code=refused.code) from None
        secret, previous_until = await handlers.register_webhook(
            ctx.unit_of_work, partner_id, str(body.url), overlap
        )
        return WebhookRegistered(
            partner_id=partner_id,
            url=str(body.url),
            secret=secret,
            previous_secret_valid_until=previous_until,
        )

    @router.get("/deliveries", summary="The delivery log (webhook attempts and outcomes)")
    async def deliveries(
        who: Admin,
        partner_id: UUID | None = None,
        state: DeliveryState | None = None,
        after: Annotated[int, Query(), BoundedInt(0, 2**62)] = 0,
        limit: Limit = 100,
    ) -> dict[str, Any]:
        async with ctx.pool.acquire() as conn:
            rows = await Repositories.on(conn).deliveries.log(partner_id, state, after, limit)
            breakers = await Repositories.on(conn).partners.breaker_states()
        return {"items": rows, "breakers": breakers}

    @router.get("/disclosures", summary="The disclosure log (facts only, never the data)")
    async def disclosures(
        who: Admin,
        referral_id: UUID | None = None,
        case_id: UUID | None = None,
        limit: Limit = 100,
    ) -> dict[str, Any]:
        async with ctx.pool.acquire() as conn:
            rows = await Repositories.on(conn).disclosures.log(referral_id, case_id, limit)
        return {"items": rows}

    @router.get("/notices", summary="Withdrawal and erasure notices; ?overdue=true for late ones")
    async def notices(
        who: Admin,
        overdue: bool = False,
        limit: Limit = 100,
    ) -> dict[str, Any]:
        async with ctx.pool.acquire() as conn:
            rows = await Repositories.on(conn).notices.listing(overdue, limit)
        return {"items": rows}

    @router.post(
        "/partners/{partner_id}/credentials",
        status_code=201,
        summary="New API client",
        responses=errors(409),
    )
    async def new_client(partner_id: UUID, who: Admin) -> ClientCreated:
        client_id, secret = await credentials.create_client(ctx.unit_of_work, partner_id)
        return ClientCreated(client_id=client_id, client_secret=secret)

    @router.get("/partners/{partner_id}/credentials", summary="A partner's API clients")
    async def list_clients(partner_id: UUID, who: Admin) -> dict[str, Any]:
        async with ctx.pool.acquire() as conn:
            r = Repositories.on(conn)
            if await r.partners.get(partner_id) is None:
                raise NotFoundError("the partner")
            return {"items": await r.credentials.clients_of(partner_id)}

    @router.post(
        "/credentials/{client_id}/rotate",
        summary="New secret; the old one works a while",
        responses=errors(409),
    )
    async def rotate(client_id: ClientId, who: Admin) -> ClientCreated:
        secret, until = await credentials.rotate(ctx.unit_of_work, client_id, overlap)
        return ClientCreated(
            client_id=client_id, client_secret=secret, previous_secret_valid_until=until
        )

    @router.post("/credentials/{client_id}/revoke", summary="Revoke a client and all its secrets")
    async def revoke(client_id: ClientId, who: Admin) -> dict[str, str]:
        await credentials.revoke(ctx.unit_of_work, client_id)
        return {"client_id": client_id, "status": "revoked"}

    return router


def _partner_router(
    ctx: ServiceContext,
    settings: Settings,
    limiter: RateLimiter,
    casefile: Casefile,
    clock: Clock,
) -> APIRouter:
    router = APIRouter(prefix="/partner", tags=["partner"])

    @raises(429)  # 401 and 403 come with PartnerWho; a revoked client is a 401
    async def current_partner(principal: PartnerWho) -> UUID:
        assert principal.partner_id is not None  # verify_token guarantees it for partners
        wait = limiter.check(str(principal.partner_id), time.monotonic())
        if wait > 0:
            raise HTTPException(
                429,
                detail="too many requests for this partner; slow down",
                headers={"Retry-After": str(max(1, round(wait)))},
            )
        refused = await credentials.admission(ctx.pool, principal)
        if refused is not None:
            raise refused
        return principal.partner_id

    PartnerId = Annotated[UUID, Depends(current_partner)]  # noqa: N806

    @raises(*idempotency.KEY_ERRORS)
    def idempotency_key(
        key: Annotated[str | None, Header(alias=idempotency.HEADER)] = None,
    ) -> str:
        if key is None:
            raise BadRequestError(
                "the Idempotency-Key header is required on every POST",
                code="idempotency_key_missing",
            )
        return idempotency.checked_key(key)

    IdemKey = Annotated[str, Depends(idempotency_key)]  # noqa: N806

    @router.post(
        "/token",
        summary="Exchange client credentials for a short-lived partner token",
        responses=errors(401, 403, 429),
    )
    async def token(body: TokenRequest) -> TokenResponse:
        # No partner is known yet: the bucket is per client id (slows down secret guessing).
        wait = limiter.check(f"token:{body.client_id}", time.monotonic())
        if wait > 0:
            raise HTTPException(
                429,
                detail="too many token requests",
                headers={"Retry-After": str(max(1, round(wait)))},
            )
        access = await credentials.exchange(
            ctx.unit_of_work,
            body.client_id,
            body.client_secret,
            ctx.hub.jwt_secret.get_secret_value(),
            settings.partner_token_ttl_seconds,
        )
        return TokenResponse(access_token=access, expires_in=settings.partner_token_ttl_seconds)

    @router.get(
        "/referrals/{referral_id}",
        summary="The referral's consented data (a disclosure)",
        responses=errors(410, 503),
    )
    async def referral(referral_id: UUID, partner_id: PartnerId) -> JSONResponse:
        # The council's day (as casefile and referral count it), not UTC's: around midnight
        # the two differ, and a consent valid from today must be valid here too.
        body = await disclosure.disclose(
            ctx.unit_of_work, casefile, partner_id, referral_id, clock.today()
        )
        # Personal data: no cache anywhere on the way.
        return JSONResponse(body, headers={"cache-control": "no-store"})

    @router.post(
        "/referrals/{referral_id}/status",
        status_code=202,
        summary="Report a status",
        responses=errors(409),
    )
    async def status(
        referral_id: UUID,
        body: StatusReport,
        partner_id: PartnerId,
        key: IdemKey,
    ) -> JSONResponse:
        action = handlers.report_status(partner_id, referral_id, body.status, body.reason_code)
        route = f"status:{referral_id}"
        return await _idempotent(ctx, partner_id, key, route, body, action)

    @router.post("/referrals/{referral_id}/monitoring", status_code=202, summary="Post-return")
    async def monitoring(
        referral_id: UUID,
        body: MonitoringReport,
        partner_id: PartnerId,
        key: IdemKey,
    ) -> JSONResponse:
        action = handlers.report_monitoring(
            partner_id, referral_id, body.months_after_return, list(body.outcomes)
        )
        route = f"monitoring:{referral_id}"
        return await _idempotent(ctx, partner_id, key, route, body, action)

    @router.post("/notices/{notice_id}/ack", status_code=202, summary="Acknowledge a notice")
    async def ack(
        notice_id: UUID,
        partner_id: PartnerId,
        key: IdemKey,
    ) -> JSONResponse:
        action = handlers.acknowledge_notice(partner_id, notice_id)
        return await _idempotent(ctx, partner_id, key, f"ack:{notice_id}", None, action)

    @router.get(
        "/inbox",
        summary="Pull inbox: notifications after the cursor, oldest first; a referral.ready"
        " whose referral no longer holds (or is suspended) is left out, its notice stays",
        responses=errors(400),
    )
    async def inbox(
        partner_id: PartnerId,
        cursor: Annotated[str | None, Query(max_length=32)] = None,
        limit: Annotated[int, Query(), BoundedInt(1, 200)] = 50,
    ) -> dict[str, Any]:
        after = _parse_cursor(cursor)
        items, next_seq = await pull_inbox.page(ctx.pool, partner_id, after, limit, clock.today())
        return {"items": items, "next_cursor": str(next_seq)}

    return router


def _parse_cursor(cursor: str | None) -> int:
    """The sequence number after which to read; 400 for anything this API never gave out.

    Parsed whole and ASCII only (``hub_contracts.codes.CURSOR``): "²" or "١٢" pass
    ``str.isdigit`` and must not be read as numbers."""
    if cursor is None or cursor == "":
        return 0
    try:
        return int(CURSOR.validate(cursor))
    except ValueError:
        raise BadRequestError(
            "the cursor is not one this API gave out", code="bad_cursor"
        ) from None


async def _idempotent(
    ctx: ServiceContext,
    partner_id: UUID,
    key: str,
    route: str,
    body: BaseModel | None,
    action: idempotency.Action,
) -> JSONResponse:
    request_hash = idempotency.fingerprint(
        route, None if body is None else body.model_dump(mode="json")
    )
    status, answer, replayed = await idempotency.idempotently(
        ctx.unit_of_work, f"partner:{partner_id}", key, request_hash, action
    )
    headers = {idempotency.REPLAYED_HEADER: "true"} if replayed else {}
    return JSONResponse(answer, status_code=status, headers=headers)
