"""The one entry point and the one bootstrap every service uses.

A service's ``main.py`` is ``run_service(Settings(), definition)``; its ``bootstrap.py`` only
builds its `ServiceDefinition` (what differs between services). Tests start a service with
``service_runtime(definition(settings), settings)``.
"""

import asyncio
import sys
from collections.abc import Callable
from typing import Protocol, TypeVar

import uvloop
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from hub_runtime.logs import configure_logging
from hub_runtime.secrets import SecretFileError, insecure_secrets
from hub_runtime.service import ServiceDefinition, ServiceRuntime, run_until_signalled
from hub_runtime.settings import HubSettings
from hub_runtime.telemetry import configure_tracing, shutdown_tracing


class ServiceSettings(Protocol):
    """What every service's settings hold besides its own: the hub's, and where HTTP listens."""

    @property
    def hub(self) -> HubSettings:
        """The hub-wide settings (Kafka, PostgreSQL, JWT secret, topic prefix, ...)."""

    @property
    def http_host(self) -> str:
        """The address the HTTP edge binds to."""

    @property
    def http_port(self) -> int:
        """The TCP port the HTTP edge listens on (0: any free port)."""


S = TypeVar("S", bound=ServiceSettings)
# Any settings class (a pydantic model, or a protocol a rotation reads of one).
M = TypeVar("M")

# sysexits.h EX_CONFIG: the process cannot run as configured (not a crash; do not restart).
EXIT_CONFIG = 78


def load_settings(settings_cls: Callable[[], M]) -> M:
    """``settings_cls()`` read from the environment (and ``*_FILE`` files); on an invalid
    setting or an unreadable file, prints the reason to stderr and exits with status 78
    (EX_CONFIG) instead of a traceback."""
    try:
        return settings_cls()
    except (ValidationError, SecretFileError) as exc:
        sys.stderr.write(f"refusing to start: invalid settings: {exc}\n")
        raise SystemExit(EXIT_CONFIG) from exc


def production_problems(settings: ServiceSettings | HubSettings) -> list[str]:
    """Why ``settings`` may not run outside development mode (empty: they may): every secret
    `hub_runtime.secrets.insecure_secrets` refuses, and a missing identity provider (staff
    tokens come only from it in production), and whatever the settings' own
    ``production_problems()`` method names, when the service's settings class has one (e.g. an
    identity provider reached over plain HTTP)."""
    hub = settings if isinstance(settings, HubSettings) else settings.hub
    if hub.development:
        return []
    # A service's settings hold the hub's (nested, checked too).
    problems = insecure_secrets(settings if isinstance(settings, BaseSettings) else hub)
    if not hub.oidc_issuer:
        problems.append("HUB_OIDC_ISSUER is missing (staff sign in through the identity provider)")
    own = getattr(settings, "production_problems", None)
    if callable(own):
        problems.extend(str(problem) for problem in own())
    return problems


def refuse_insecure(settings: ServiceSettings) -> None:
    """Exit with status 78 (EX_CONFIG), naming every problem on stderr, when
    :func:`production_problems` finds any; return otherwise."""
    problems = production_problems(settings)
    if problems:
        listed = "".join(f"\n  - {problem}" for problem in problems)
        sys.stderr.write(
            f"refusing to start in {settings.hub.env} mode (HUB_ENV):{listed}\n"
            "Set each secret (or <NAME>_FILE) to a random value; see the README, Deployment.\n"
        )
        raise SystemExit(EXIT_CONFIG)


def service_runtime(definition: ServiceDefinition, settings: ServiceSettings) -> ServiceRuntime:
    """The runtime of one service, not started (``await rt.start()``; tests run several)."""
    return ServiceRuntime(
        definition, settings.hub, http_host=settings.http_host, http_port=settings.http_port
    )


def runtime_of(definition: Callable[[S], ServiceDefinition], settings: S) -> ServiceRuntime:
    """``service_runtime(definition(settings), settings)``: how the demo and the benchmarks
    start a service in their own process, the way its ``main`` would."""
    return service_runtime(definition(settings), settings)


def loop_factory(hub: HubSettings) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The event loop a service process runs on (`HUB_EVENT_LOOP`): uvloop's factory, or None
    for the standard library's default. Tests and in-process tools keep whatever loop runs."""
    if hub.event_loop == "uvloop":
        return uvloop.new_event_loop
    return None


def run_service(settings: S, definition: Callable[[S], ServiceDefinition]) -> None:
    """Process entry: logs, tracing (exported as the `OTEL_*` variables say), then run the
    service until SIGTERM or SIGINT; the spans still queued are exported before it returns.

    Outside development mode, first refuses insecure settings (:func:`refuse_insecure`)."""
    refuse_insecure(settings)
    configure_logging(settings.hub.log_level)
    service = definition(settings)
    configure_tracing(service.name)
    try:
        with asyncio.Runner(loop_factory=loop_factory(settings.hub)) as runner:
            runner.run(run_until_signalled(service_runtime(service, settings)))
    finally:
        shutdown_tracing()
