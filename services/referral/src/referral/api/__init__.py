"""The HTTP edge of the referral service: parse, authorise, build the message, dispatch,
answer. One router module per resource; the rules are in `referral.handlers`, reached through
the bus (`referral.routes`)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from hub_contracts import Topic
from hub_runtime.asyncapi import asyncapi_document
from hub_runtime.auth import install
from hub_runtime.bus import MessageBus
from hub_runtime.http import create_app
from hub_runtime.idempotency import PostgresKeys
from hub_runtime.service import ServiceContext

from referral.api.cases import cases_router
from referral.api.consents import consents_router
from referral.api.edge import Edge
from referral.api.hsds import hsds_router
from referral.api.language import on_policy_refusal
from referral.api.partners import partners_router
from referral.api.referrals import referrals_router
from referral.deps import Deps
from referral.refusals import PolicyRefusalError
from referral.routes import CONSUMES, PUBLISHES, ROUTES
from referral.unit_of_work import ReferralUnitOfWork, unit_of_work_factory
from referral.view_catch_up import NO_CATCH_UP, CaseViewCatchUp


def build_app(
    ctx: ServiceContext,
    deps: Deps,
    command_topics: Sequence[Topic] = (),
    view: CaseViewCatchUp = NO_CATCH_UP,
) -> FastAPI:
    """The app on ``ctx``'s database; `view` catches the case view up with casefile before a
    request that it would refuse is judged (read-your-writes, `referral.view_catch_up`);
    ``command_topics`` are listed in the AsyncAPI document as consumed."""
    uows = unit_of_work_factory(ctx.pool)
    # Reads run without a transaction of their own (`MessageBus.read`).
    reads = unit_of_work_factory(ctx.read_pool, read_only=True)
    bus: MessageBus[ReferralUnitOfWork, Deps] = MessageBus(
        ROUTES, uows, deps, keys=PostgresKeys(uows), reader=reads
    )
    edge = Edge(bus=bus, reads=reads, view=view)
    app = create_app(
        service=ctx.name,
        title="referral",
        description="Consent, partner directory, referral policy and lifecycle.",
        max_body_bytes=ctx.hub.max_body_bytes,
        readiness=ctx.readiness_checks(),
        asyncapi=lambda: asyncapi_document(
            ctx.name, PUBLISHES, (*CONSUMES, *command_topics), ctx.hub
        ),
    )
    install(app, ctx.hub)
    # The policy's refusals in the request's language (before the runtime's DomainError answer).
    app.add_exception_handler(PolicyRefusalError, on_policy_refusal)
    app.include_router(partners_router(edge))
    app.include_router(hsds_router(edge))
    app.include_router(consents_router(edge))
    app.include_router(referrals_router(edge))
    app.include_router(cases_router(edge))
    return app


__all__ = ["build_app"]
