"""The simulated partner: receives signed webhooks, fetches the referral, reports back.

What a careful partner does, in order: verify the Standard Webhooks signature on the raw body
and the timestamp (401 otherwise, nothing applied); apply each ``webhook-id`` once (a repeat
gets 200 and changes nothing); answer quickly and do the work in the background, in the order
the webhooks came: fetch the referral's details with its partner token, then POST ``accepted``
(or acknowledge a notice) with an Idempotency-Key derived from the webhook id. When the gateway
cannot answer for now (429, 502, 503, 504, or no connection: a restart), the work is tried
again after 0.5, 1, 2, 4 and 8 s; when it still fails, the webhook id is forgotten, so the
gateway's redelivery of it is done instead of dropped as a repeat (the eleventh new user's
trial: a referral stayed ``delivered`` after a restart of the gateway or of casefile).

Switches: ``down`` answers 503, ``failing`` 500, ``slow`` waits ``slow_seconds`` first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from hub_runtime.edge import on_http_exception
from hub_runtime.http import NO_FRAMEWORK_TELEMETRY, on_validation_error
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from partner_gateway.domain.signing import (
    DEFAULT_TOLERANCE_SECONDS,
    WebhookVerificationError,
    verify,
)

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks"


class Mode(StrEnum):
    """How the simulated partner answers webhooks: ``up`` (normally), ``down`` (503), ``slow``
    (waits ``slow_seconds`` first) or ``failing`` (500)."""

    UP = "up"
    DOWN = "down"  # 503 for every webhook
    SLOW = "slow"  # waits slow_seconds before answering
    FAILING = "failing"  # 500 for every webhook


class ModeChange(BaseModel):
    """Body of ``POST /simulator/mode``: the new mode and, optionally, the wait of ``slow`` in
    seconds (a finite number, 0-120). Anything else is 422 ``invalid_request`` in the hub's
    error shape."""

    model_config = ConfigDict(extra="forbid")
    mode: Mode
    # Python's JSON reader takes `1e400` as infinity and `NaN` as NaN: refused as numbers
    # (the ninth new user's trial: `1e400` was a 500).
    slow_seconds: float | None = Field(default=None, ge=0, le=120, allow_inf_nan=False)


@dataclass
class SimulatorRecord:
    """What the simulator saw and did (ids and category names only, never the data)."""

    applied: list[str] = field(default_factory=list)  # webhook ids, once each, in order
    referrals_notified: list[str] = field(default_factory=list)  # referral ids, in order
    duplicates: int = 0
    rejected: list[str] = field(default_factory=list)  # reasons of refused webhooks
    refused_while_down: int = 0
    fetched: dict[str, list[str]] = field(default_factory=dict)  # referral -> categories
    fetch_failures: dict[str, int] = field(default_factory=dict)  # referral -> HTTP status
    reported: dict[str, str] = field(default_factory=dict)  # referral -> status posted
    notices_acknowledged: list[str] = field(default_factory=list)
    notices: list[tuple[str, str]] = field(default_factory=list)  # (type, referral id) received


RETRY_DELAYS_SECONDS = (0.5, 1.0, 2.0, 4.0, 8.0)
"""The waits before each new try of a webhook's work that the gateway could not answer."""
_TRY_AGAIN_STATUSES = frozenset({429, 502, 503, 504})


class _TryAgainError(Exception):
    """The gateway could not answer for now (a status in `_TRY_AGAIN_STATUSES`)."""


def _answered(response: httpx.Response) -> httpx.Response:
    if response.status_code in _TRY_AGAIN_STATUSES:
        raise _TryAgainError(response.status_code)
    return response


class _EmbeddedServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class PartnerSimulator:
    """One simulated partner; see the module docstring."""

    def __init__(
        self,
        *,
        gateway_url: str,
        partner_token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        webhook_secret: str | None = None,
        report_status: str = "accepted",
        tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.gateway_url = gateway_url.rstrip("/")
        self.partner_token = partner_token
        self.client_id = client_id
        self.client_secret = client_secret
        self.webhook_secret = webhook_secret
        self.report_status = report_status
        self.tolerance_seconds = tolerance_seconds
        self.clock = clock
        self.mode = Mode.UP
        self.slow_seconds = 2.0
        self.record = SimulatorRecord()
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self._seen: set[str] = set()  # the applied webhook ids, for O(1) duplicate checks
        self._token_expires = 0.0
        self._server: uvicorn.Server | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.app = self._build_app()

    # --- running in-process ---------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on host:port (0 = any free port) and start the background worker."""
        config = uvicorn.Config(self.app, host=host, port=port, log_config=None, lifespan="off")
        self._server = _EmbeddedServer(config)
        self._host = host
        self._tasks.append(asyncio.create_task(self._server.serve(), name="simulator-http"))
        self._tasks.append(asyncio.create_task(self._work(), name="simulator-worker"))
        while not self._server.started:
            if self._tasks[0].done():
                raise RuntimeError("the simulator's HTTP server did not start")
            await asyncio.sleep(0.01)

    @property
    def url(self) -> str:
        """Base URL; the webhook endpoint is ``webhook_url``."""
        if self._server is None or not self._server.servers:
            raise RuntimeError("the simulator is not running")
        port = self._server.servers[0].sockets[0].getsockname()[1]
        return f"http://{self._host}:{port}"

    @property
    def webhook_url(self) -> str:
        """Where the gateway should POST webhooks: :attr:`url` + ``/webhooks``; raises
        ``RuntimeError`` when not running."""
        return self.url + WEBHOOK_PATH

    async def stop(self) -> None:
        """Stop the HTTP server and the background worker (waits up to 10 s per task); safe to call
        twice."""
        if self._server is not None:
            self._server.should_exit = True
        for task in reversed(self._tasks):
            if task.get_name() == "simulator-worker":
                task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, timeout=10)
        self._tasks.clear()

    async def idle(self) -> None:
        """Wait until every accepted webhook has been processed."""
        await self._queue.join()

    # --- HTTP ------------------------------------------------------------------------------

    def _build_app(self) -> FastAPI:
        app = FastAPI(title="Partner simulator", version="1", telemetry=NO_FRAMEWORK_TELEMETRY)
        # The hub's one error shape for what FastAPI and Starlette refuse (a body that does
        # not validate, an unknown path or method): their own shapes, and a 500 when a
        # refused value was infinite (Starlette's JSON writer refuses it), before. The
        # webhook's answers stay a partner's own.
        app.add_exception_handler(RequestValidationError, on_validation_error)
        app.add_exception_handler(StarletteHTTPException, on_http_exception)

        @app.post(WEBHOOK_PATH)
        async def webhook(request: Request) -> JSONResponse:
            return await self._receive(request)

        @app.post("/simulator/mode")
        async def set_mode(change: ModeChange) -> dict[str, Any]:
            self.mode = change.mode
            if change.slow_seconds is not None:
                self.slow_seconds = change.slow_seconds
            return {"mode": self.mode, "slow_seconds": self.slow_seconds}

        @app.get("/simulator/state")
        async def state() -> dict[str, Any]:
            return {"mode": self.mode, **self.record.__dict__}

        return app

    async def _receive(self, request: Request) -> JSONResponse:
        if self.mode is Mode.DOWN:
            self.record.refused_while_down += 1
            return JSONResponse({"error": "down"}, status_code=503)
        if self.mode is Mode.FAILING:
            return JSONResponse({"error": "failing"}, status_code=500)
        if self.mode is Mode.SLOW:
            await asyncio.sleep(self.slow_seconds)
        raw = await request.body()  # the raw bytes: a re-serialised body would not verify
        if self.webhook_secret is None:
            return JSONResponse({"error": "no signing secret configured"}, status_code=503)
        try:
            msg_id = verify(
                self.webhook_secret,
                request.headers,
                raw,
                now=int(self.clock()),
                tolerance_seconds=self.tolerance_seconds,
            )
        except WebhookVerificationError as exc:
            self.record.rejected.append(str(exc))
            return JSONResponse({"error": "invalid_signature", "detail": str(exc)}, 401)
        if msg_id in self._seen:
            self.record.duplicates += 1
            return JSONResponse({"status": "duplicate", "id": msg_id})
        try:
            message = json.loads(raw)
        except ValueError:
            return JSONResponse({"error": "malformed_json"}, status_code=400)
        # no await since the check: each id is applied exactly once
        self._seen.add(msg_id)
        self.record.applied.append(msg_id)
        self._queue.put_nowait((msg_id, message))
        return JSONResponse({"status": "received", "id": msg_id})

    # --- background work -------------------------------------------------------------------

    async def _work(self) -> None:
        async with httpx.AsyncClient(base_url=self.gateway_url, timeout=15) as client:
            while True:
                msg_id, message = await self._queue.get()
                try:
                    await self._handle_with_retries(client, msg_id, message)
                finally:
                    self._queue.task_done()

    async def _handle_with_retries(
        self, client: httpx.AsyncClient, msg_id: str, message: dict[str, Any]
    ) -> None:
        for delay in (*RETRY_DELAYS_SECONDS, None):
            try:
                await self._handle(client, msg_id, message)
                return
            except (_TryAgainError, httpx.TransportError) as exc:
                error_type = type(exc).__name__
            except Exception as exc:  # the simulator keeps going, like a real partner
                error_type = type(exc).__name__
                break
            if delay is not None:
                await asyncio.sleep(delay)
        log.warning("simulator could not process", extra={"error_type": error_type})
        self._seen.discard(msg_id)  # a redelivery of this webhook is done, not dropped

    async def _handle(
        self, client: httpx.AsyncClient, msg_id: str, message: dict[str, Any]
    ) -> None:
        kind = message.get("type")
        data = message.get("data") or {}
        if kind == "referral.ready":
            await self._on_referral(client, msg_id, str(data["referral_id"]))
        elif isinstance(kind, str) and kind.startswith("notice."):
            # withdrawal, erasure, suspension or resumption: noted and acknowledged
            self.record.notices.append((kind, str(data.get("referral_id"))))
            await self._acknowledge(client, msg_id, str(data["notice_id"]))

    async def _on_referral(self, client: httpx.AsyncClient, msg_id: str, referral_id: str) -> None:
        if self.record.referrals_notified[-1:] != [referral_id]:  # not a retry of the last one
            self.record.referrals_notified.append(referral_id)
        headers = await self._auth(client)
        response = _answered(await client.get(f"/partner/referrals/{referral_id}", headers=headers))
        if response.status_code != 200:
            self.record.fetch_failures[referral_id] = response.status_code
            return
        self.record.fetched[referral_id] = sorted(response.json().get("data", {}))
        report = {"status": self.report_status}
        if self.report_status == "declined":
            report["reason_code"] = "no_capacity"
        posted = _answered(
            await client.post(
                f"/partner/referrals/{referral_id}/status",
                json=report,
                headers={**headers, "Idempotency-Key": f"sim-{msg_id}-status"},
            )
        )
        if posted.status_code == 202:
            self.record.reported[referral_id] = self.report_status

    async def _acknowledge(self, client: httpx.AsyncClient, msg_id: str, notice_id: str) -> None:
        headers = await self._auth(client)
        posted = _answered(
            await client.post(
                f"/partner/notices/{notice_id}/ack",
                headers={**headers, "Idempotency-Key": f"sim-{msg_id}-ack"},
            )
        )
        if posted.status_code == 202:
            self.record.notices_acknowledged.append(notice_id)

    async def _auth(self, client: httpx.AsyncClient) -> dict[str, str]:
        """A bearer header: the given token, or one exchanged for the client credentials."""
        if self.client_id and self.client_secret and self.clock() >= self._token_expires:
            response = _answered(
                await client.post(
                    "/partner/token",
                    json={"client_id": self.client_id, "client_secret": self.client_secret},
                )
            )
            response.raise_for_status()
            answer = response.json()
            self.partner_token = answer["access_token"]
            self._token_expires = self.clock() + int(answer["expires_in"]) - 30
        if self.partner_token is None:
            raise RuntimeError("the simulator has neither a token nor client credentials")
        return {"authorization": f"Bearer {self.partner_token}"}


def build_simulator(
    *,
    gateway_url: str,
    partner_token: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    webhook_secret: str | None = None,
    report_status: str = "accepted",
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> PartnerSimulator:
    """A simulated partner. Set ``webhook_secret`` (also later, as an attribute) to the secret
    the gateway returned when its webhook was registered; give a partner token or client
    credentials for the calls back to the gateway."""
    return PartnerSimulator(
        gateway_url=gateway_url,
        partner_token=partner_token,
        client_id=client_id,
        client_secret=client_secret,
        webhook_secret=webhook_secret,
        report_status=report_status,
        tolerance_seconds=tolerance_seconds,
    )
