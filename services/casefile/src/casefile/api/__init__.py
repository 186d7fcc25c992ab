"""The HTTP edge for counsellors' tools (and the hub's internal calls): thin routers that
parse, authorise, build a message, dispatch it on the bus and return.

Roles: counsellors and coordinators work on cases; admins manage (see cases without personal
data, erase, read the access log); advocacy has no access to cases at all; the ``service``
role (the partner gateway, referral) may only call the internal endpoints: the disclosure, and
the newest event of a case (read-your-writes for referral). Domain errors become HTTP answers
in `hub_runtime.http`, once.
"""

from fastapi import FastAPI
from hub_contracts import Topic
from hub_runtime.asyncapi import asyncapi_document
from hub_runtime.auth import install
from hub_runtime.http import create_app
from hub_runtime.service import ServiceContext

from casefile.api import cases, internal, records
from casefile.bus import message_bus
from casefile.deps import Deps

PUBLISHES = [Topic.CASEFILE_EVENTS]
CONSUMES = [Topic.REFERRAL_EVENTS, Topic.PARTNER_EVENTS]


def build_app(ctx: ServiceContext, deps: Deps) -> FastAPI:
    """Casefile's FastAPI application (the runtime adds health, readiness, metrics)."""
    app = create_app(
        service=ctx.name,
        title="casefile",
        description="Case files of counselled persons: procedure, deadlines, options, decisions,"
        " bottlenecks and a timeline. Personal data is encrypted per person and erasable.",
        max_body_bytes=ctx.hub.max_body_bytes,
        readiness=ctx.readiness_checks(),
        asyncapi=lambda: asyncapi_document(ctx.name, PUBLISHES, CONSUMES, ctx.hub),
    )
    install(app, ctx.hub)
    bus = message_bus(ctx, deps)
    app.include_router(cases.router(bus, ctx))
    app.include_router(records.router(bus))
    app.include_router(internal.router(bus))
    return app
