"""A service's HTTP client for another hub service (referral and the gateway call casefile).

One `aiohttp.ClientSession` per process, kept alive between calls: a new one per call costs a
new connection (and a TLS context where TLS is used). aiohttp, not httpx: a call costs its
caller about 0.14 ms of CPU against httpx's 1.0 ms (issue 16, ``bench/client_ab.py``), and
the gateway makes one per referral. Each call carries a short-lived service token
(`hub_runtime.auth`, role ``service``) and the current trace context (W3C Trace Context), so
the callee authorises the caller and the trace crosses the hop; its ``User-Agent`` is
`USER_AGENT`, which names no library. Redirects are not followed:
a hub service never answers one, and following it would carry the token elsewhere.
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from hub_runtime import strict_json
from hub_runtime.auth import Role, mint_token
from hub_runtime.telemetry import current_trace_headers

USER_AGENT = "council-hub/1"
"""The ``User-Agent`` of every call (RFC 9110 section 10.1.5): the product and the version of
its API, nothing more; aiohttp's own (``Python/3.x aiohttp/3.y``) told whoever reads the
request which library versions, with their known flaws, the hub runs."""

SERVICE_TOKEN_SECONDS = 60
"""Lifetime of the token minted for one call: long enough for the call, too short to reuse."""


class ServiceUnreachableError(Exception):
    """The other service gave no answer: refused connection, reset, timeout. The message is
    the transport error's type name only (it never holds a URL or a body)."""


@dataclass(frozen=True)
class Answer:
    """Another service's answer: its HTTP ``status`` and its ``body`` as bytes."""

    status: int
    body: bytes

    def json(self) -> Any:
        """The body parsed as strict JSON (`hub_runtime.strict_json`: no NaN or Infinity, no
        duplicate member names); raises ValueError (`StrictJsonError`) otherwise. Another hub
        service never sends such JSON; if one did, the caller must not pass it on (a NaN
        cannot be written into the caller's own JSON answer)."""
        return strict_json.loads(self.body)

    def error_code(self) -> str | None:
        """The ``error`` member of the hub's error shape, None when the body is not that shape."""
        try:
            code = self.json().get("error")
        except (ValueError, AttributeError):
            return None
        return code if isinstance(code, str) else None


class ServiceClient:
    """The HTTP side of a client of another service: ``base_url`` (e.g. casefile's),
    ``jwt_secret`` (the hub's token key), ``timeout_seconds`` per call (the whole call, from
    connecting to the last byte of the answer); ``subject`` names the calling service in its
    tokens. Subclasses add the calls (with `_get` and `_post`) and map answers to domain errors.
    """

    def __init__(
        self, base_url: str, jwt_secret: str, timeout_seconds: float, subject: str
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._secret = jwt_secret
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._subject = subject
        self._session: aiohttp.ClientSession | None = None  # closed by `hold_open` at stop

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout, headers={"User-Agent": USER_AGENT}
            )
        return self._session

    def _headers(self) -> dict[str, str]:
        """A fresh service token and the trace headers for one call."""
        token = mint_token(
            self._secret, sub=self._subject, role=Role.SERVICE, ttl_seconds=SERVICE_TOKEN_SECONDS
        )
        return {"authorization": f"Bearer {token}", **current_trace_headers()}

    async def _get(self, path: str, params: Sequence[tuple[str, str]] = ()) -> Answer:
        """GET ``path`` (from the base URL) with ``params`` as its query; raises
        `ServiceUnreachableError` when no answer comes."""
        return await self._call("GET", path, params=list(params))

    async def _post(self, path: str, body: Any) -> Answer:
        """POST ``body`` as JSON to ``path``; raises `ServiceUnreachableError` when no answer
        comes."""
        return await self._call("POST", path, body=body)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        body: Any = None,
    ) -> Answer:
        try:
            async with self._http().request(
                method,
                self._base_url + path,
                params=params,
                json=body,
                headers=self._headers(),
                allow_redirects=False,
            ) as response:
                return Answer(response.status, await response.read())
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise ServiceUnreachableError(type(exc).__name__) from None

    async def close(self) -> None:
        """Close the session and its kept-alive connections (a later call opens a new one)."""
        if self._session is not None:
            await self._session.close()

    async def hold_open(self, _: object) -> None:
        """A service worker: keeps nothing running, closes the session when cancelled."""
        try:
            await asyncio.Event().wait()
        finally:
            await self.close()
