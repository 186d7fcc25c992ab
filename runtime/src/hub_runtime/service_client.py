"""A service's HTTP client for another hub service (referral and the gateway call casefile).

One `httpx.AsyncClient` per process, kept alive between calls: a new client per call costs a TLS
context (tens of ms) and a new connection. Each call carries a short-lived service token
(`hub_runtime.auth`, role ``service``) and the current trace context (W3C Trace Context), so the
callee authorises the caller and the trace crosses the hop.
"""

import asyncio

import httpx

from hub_runtime.auth import Role, mint_token
from hub_runtime.telemetry import current_trace_headers

SERVICE_TOKEN_SECONDS = 60
"""Lifetime of the token minted for one call: long enough for the call, too short to reuse."""


class ServiceClient:
    """The HTTP side of a client of another service: ``base_url`` (e.g. casefile's),
    ``jwt_secret`` (the hub's token key), ``timeout_seconds`` per call; ``subject`` names the
    calling service in its tokens. Subclasses add the calls and map answers to domain errors."""

    def __init__(
        self, base_url: str, jwt_secret: str, timeout_seconds: float, subject: str
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._secret = jwt_secret
        self._timeout = timeout_seconds
        self._subject = subject
        self._client: httpx.AsyncClient | None = None  # closed by `hold_open` at stop

    def _http(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(base_url=self._base_url, timeout=self._timeout)
        return self._client

    def _headers(self) -> dict[str, str]:
        """A fresh service token and the trace headers for one call."""
        token = mint_token(
            self._secret, sub=self._subject, role=Role.SERVICE, ttl_seconds=SERVICE_TOKEN_SECONDS
        )
        return {"authorization": f"Bearer {token}", **current_trace_headers()}

    async def hold_open(self, _: object) -> None:
        """A service worker: keeps nothing running, closes the client when cancelled."""
        try:
            await asyncio.Event().wait()
        finally:
            if self._client is not None:
                await self._client.aclose()
