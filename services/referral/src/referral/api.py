"""The HTTP edge: partner directory, consents, referrals, reviews and disclosures."""

import math
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Header, Response
from hub_contracts import (
    REFUSAL_TEXTS,
    DataCategory,
    Decision,
    PartnerType,
    ProcedureStage,
    Purpose,
    RefusalCode,
    Topic,
    Vulnerability,
)
from hub_runtime import idempotency
from hub_runtime.asyncapi import asyncapi_document
from hub_runtime.auth import Principal, install
from hub_runtime.errors import NotFoundError
from hub_runtime.http import create_app
from hub_runtime.openapi_errors import errors
from hub_runtime.service import ServiceContext
from pydantic import BaseModel, Field

from referral import handlers, views
from referral import repository as repo
from referral.api_partners import partners_router
from referral.clock import Clock
from referral.commands import (
    GrantConsent,
    RequestReferral,
    ReviewReferral,
)
from referral.config import Settings
from referral.consumer import CONSUMES, PUBLISHES
from referral.domain.model import Status
from referral.permissions import Coordinator, Staff
from referral.vault import CaseVault, Removed
from referral.view_catch_up import NO_CATCH_UP, CaseViewCatchUp

# ---------------------------------------------------------------- response shapes


class EvidenceOut(BaseModel):
    form_reference: str | None = Field(
        description="Reference of the signed form (sealed under the case's key); null once gone"
    )
    language: str
    interpreter_used: bool
    interpreter_reference: str | None
    references_removed: Removed | None = Field(
        description="Why the references are null: person_erased (the case's key was destroyed)"
        " or cleared_by_migration (plaintext from before migration 0021); null when present"
    )
    taken_by: str
    taken_at: datetime
    informed_transfer_outside_eu: bool


class ConsentOut(BaseModel):
    consent_id: UUID
    case_id: UUID
    partner_id: UUID
    purposes: list[Purpose]
    data_categories: list[DataCategory]
    valid_from: date
    valid_until: date
    evidence: EvidenceOut
    withdrawn_at: datetime | None
    withdrawn_by: str | None

    @classmethod
    def of(cls, record: dict[str, Any]) -> "ConsentOut":
        return cls.model_validate({**record, "evidence": record})


class TransitionOut(BaseModel):
    from_status: Status | None
    to_status: Status
    reason_code: str | None
    at: datetime


class ReviewOut(BaseModel):
    decision: str
    overridden_codes: list[RefusalCode]
    reason: str | None = Field(
        description="The coordinator's written reason (sealed under the case's key); null once"
        " gone, see reason_removed"
    )
    reason_removed: Removed | None = Field(
        description="person_erased or cleared_by_migration when the reason is null"
    )
    reviewed_by: str
    reviewed_at: datetime


class RefusalReason(BaseModel):
    """A refusal reason as the API shows it: the code, and its sentence rendered here at the
    edge from ``REFUSAL_TEXTS`` (events carry the code only)."""

    code: RefusalCode
    text: str

    @classmethod
    def of(cls, code: RefusalCode) -> "RefusalReason":
        return cls(code=code, text=REFUSAL_TEXTS[code])


class ReferralOut(BaseModel):
    referral_id: UUID
    case_id: UUID
    partner_id: UUID
    purpose: Purpose
    data_categories: list[DataCategory]
    consent_id: UUID | None
    status: Status
    refusal_reasons: list[RefusalReason] = Field(
        description="Every failing rule, as a sentence a counsellor can pass on (when refused)."
    )
    review_points: list[RefusalReason] = Field(
        description="What the coordinator must weigh (when awaiting review)."
    )
    status_reason: str | None
    requested_by: str
    requested_at: datetime
    approved_at: datetime | None
    status_changed_at: datetime
    history: list[TransitionOut]
    review: ReviewOut | None

    @classmethod
    def of(cls, record: dict[str, Any]) -> "ReferralOut":
        reasons = [RefusalReason.of(RefusalCode(code)) for code in record["reasons"]]
        status = Status(record["status"])
        if status is Status.AWAITING_REVIEW:
            reasons = [RefusalReason.of(RefusalCode.NEEDS_COORDINATOR_REVIEW), *reasons]
        return cls.model_validate(
            {
                **record,
                "refusal_reasons": reasons if status is Status.REFUSED else [],
                "review_points": reasons if status is Status.AWAITING_REVIEW else [],
            }
        )


class DisclosureOut(BaseModel):
    referral_id: UUID
    partner_id: UUID
    partner_name: str | None
    partner_type: PartnerType | None
    partner_countries: list[str] | None
    consent_id: UUID
    data_categories: list[DataCategory]
    legal_basis: str
    disclosed_at: datetime


class CaseViewOut(BaseModel):
    case_id: UUID
    stage: ProcedureStage
    has_minors: bool
    vulnerabilities: list[Vulnerability]
    decision: Decision | None = Field(description="The person's decision, once it arrived")
    erased: bool
    needs_review: bool = Field(description="Minors and vulnerable persons: coordinator first")


# ---------------------------------------------------------------- the app


def build_app(
    ctx: ServiceContext,
    settings: Settings,
    clock: Clock,
    command_topics: Sequence[Topic] = (),
    view: CaseViewCatchUp = NO_CATCH_UP,
    vault: CaseVault | None = None,
) -> FastAPI:
    """The app; `view` catches the case view up with casefile before a request that it would
    refuse is judged (read-your-writes, `referral.view_catch_up`)."""
    vault = vault or CaseVault(settings.master_key.get_secret_value())

    app = create_app(
        service=ctx.name,
        title="referral",
        description="Consent, partner directory, referral policy and lifecycle.",
        max_body_bytes=ctx.hub.max_body_bytes,
        readiness=ctx.readiness_checks(),
        asyncapi=lambda: asyncapi_document(ctx.name, PUBLISHES, (*CONSUMES, *command_topics)),
    )
    install(app, ctx.hub.jwt_secret.get_secret_value())
    app.include_router(partners_router(ctx, clock))
    app.include_router(_consents(ctx, clock, view, vault))
    app.include_router(_referrals(ctx, clock, view, vault))
    return app


def _consents(
    ctx: ServiceContext,
    clock: Clock,
    view: CaseViewCatchUp,
    vault: CaseVault,
) -> APIRouter:
    router = APIRouter(tags=["consents"])

    @router.post(
        "/cases/{case_id}/consents",
        status_code=201,
        summary="Record the person's consent",
        responses=errors(409, 410),
    )
    async def grant(
        case_id: UUID,
        body: GrantConsent,
        who: Staff,
        response: Response,
        key: IdempotencyKey = None,
    ) -> ConsentOut:
        once = _once(who, key, f"POST /cases/{case_id}/consents", body)
        consent_id, replayed = await handlers.grant_consent(
            ctx.unit_of_work, case_id, body, clock, vault=vault, once=once, view=view
        )
        _mark_replayed(response, replayed)
        return await read(consent_id)

    async def read(consent_id: UUID) -> ConsentOut:
        async with ctx.pool.acquire() as conn:
            record = await views.consent(conn, vault, consent_id)
        if record is None:
            raise NotFoundError("the consent")
        return ConsentOut.of(record)

    @router.get("/cases/{case_id}/consents", summary="Every consent of the case")
    async def of_case(case_id: UUID, who: Staff) -> list[ConsentOut]:
        async with ctx.pool.acquire() as conn:
            return [ConsentOut.of(r) for r in await views.consents(conn, vault, case_id)]

    @router.get("/consents/{consent_id}", summary="One consent with its evidence")
    async def one(consent_id: UUID, who: Staff) -> ConsentOut:
        return await read(consent_id)

    @router.post(
        "/consents/{consent_id}/withdraw",
        summary="Withdraw a consent: every open referral under it is withdrawn",
        responses=errors(409),
    )
    async def withdraw(consent_id: UUID, who: Staff) -> ConsentOut:
        await handlers.withdraw_consent(ctx.unit_of_work, consent_id, who.sub, clock)
        return await read(consent_id)

    return router


IdempotencyKey = Annotated[str | None, Depends(idempotency.optional_key)]


def _once(who: Principal, key: str | None, route: str, body: BaseModel) -> handlers.Once | None:
    """A staff request's Idempotency-Key, scoped to the member of staff who sent it."""
    if key is None:
        return None
    request_hash = idempotency.fingerprint(route, body.model_dump(mode="json"))
    return handlers.Once(f"staff:{who.sub}", key, request_hash)


def _mark_replayed(response: Response, replayed: bool) -> None:
    """A replay answers what the first request created, as it is now, and says so."""
    if replayed:
        response.headers[idempotency.REPLAYED_HEADER] = "true"


MAX_PREFER_WAIT_SECONDS = 10


def prefer_wait_seconds(prefer: str | None) -> float:
    """The `wait` preference of a `Prefer` header (RFC 7240), capped; 0 when absent. A
    preference the server does not understand is ignored, as the RFC asks."""
    for preference in (prefer or "").split(","):
        name, _, value = preference.split(";")[0].partition("=")
        if name.strip().lower() != "wait":
            continue
        try:
            seconds = float(value.strip().strip('"'))
        except ValueError:
            return 0.0
        if math.isnan(seconds):
            return 0.0
        return max(0.0, min(seconds, MAX_PREFER_WAIT_SECONDS))
    return 0.0


def _referrals(
    ctx: ServiceContext,
    clock: Clock,
    view: CaseViewCatchUp,
    vault: CaseVault,
) -> APIRouter:
    router = APIRouter(tags=["referrals"])

    async def read(referral_id: UUID) -> "ReferralOut":
        async with ctx.pool.acquire() as conn:
            record = await views.referral(conn, vault, referral_id)
        if record is None:
            raise NotFoundError("the referral")
        return ReferralOut.of(record)

    @router.post(
        "/cases/{case_id}/referrals",
        status_code=201,
        summary="Request a referral; the policy approves, refuses (with every reason) or asks"
        " a coordinator",
        responses=errors(409, 410),
    )
    async def request(
        case_id: UUID,
        body: RequestReferral,
        who: Staff,
        response: Response,
        prefer: Annotated[
            str | None,
            Header(
                description="Optional, RFC 7240 `wait=N`. Without it the service already"
                " brings its view of the case level with the case file before judging a"
                " request the view would refuse; when the case file cannot confirm where the"
                f" case stands, the view gets up to N seconds (at most {MAX_PREFER_WAIT_SECONDS})"
                " to catch up instead of being judged at once"
            ),
        ] = None,
        key: IdempotencyKey = None,
    ) -> ReferralOut:
        wait = prefer_wait_seconds(prefer)
        if wait:
            response.headers["Preference-Applied"] = f"wait={wait:g}"
        referral_id, replayed = await handlers.request_referral(
            ctx.unit_of_work,
            case_id,
            body,
            who.sub,
            clock,
            view_wait_seconds=wait,
            once=_once(who, key, f"POST /cases/{case_id}/referrals", body),
            view=view,
        )
        _mark_replayed(response, replayed)
        return await read(referral_id)

    @router.get(
        "/cases/{case_id}/view",
        summary="What the referral service knows of the case (from the case file's events)",
    )
    async def case_view(case_id: UUID, who: Staff) -> CaseViewOut:
        # The view follows the case file through Kafka: a tool that just recorded a decision
        # can see here whether it has arrived before it asks for a referral.
        async with ctx.pool.acquire() as conn:
            view = await repo.get_case(conn, case_id)
        if view is None:
            raise NotFoundError("the case (it has not reached the referral service yet)")
        return CaseViewOut(
            case_id=view.case_id,
            stage=view.stage,
            has_minors=view.has_minors,
            vulnerabilities=sorted(view.vulnerabilities),
            decision=view.decision,
            erased=view.erased,
            needs_review=view.needs_review,
        )

    @router.get("/cases/{case_id}/referrals", summary="Every referral of the case")
    async def of_case(case_id: UUID, who: Staff) -> list[ReferralOut]:
        async with ctx.pool.acquire() as conn:
            return [ReferralOut.of(r) for r in await views.referrals(conn, vault, case_id)]

    @router.get("/referrals/{referral_id}", summary="One referral, with why it was refused")
    async def one(referral_id: UUID, who: Staff) -> ReferralOut:
        return await read(referral_id)

    @router.post(
        "/referrals/{referral_id}/review",
        summary="A coordinator approves, overrides (audited) or refuses a referral under review",
        responses=errors(409),
    )
    async def review(referral_id: UUID, body: ReviewReferral, who: Coordinator) -> ReferralOut:
        await handlers.review_referral(
            ctx.unit_of_work,
            referral_id,
            body,
            who.sub,
            clock,
            vault=vault,
        )
        return await read(referral_id)

    @router.get(
        "/cases/{case_id}/disclosures",
        summary="Every disclosure of the person's data: the right to know one's recipients",
    )
    async def disclosures(case_id: UUID, who: Staff) -> list[DisclosureOut]:
        async with ctx.pool.acquire() as conn:
            rows = await repo.disclosures_for_case(conn, case_id)
        return [DisclosureOut.model_validate(row) for row in rows]

    return router
