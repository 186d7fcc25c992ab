"""A client-side round-robin load balancer for the fault suite's two instances per service.

The client addresses every service by its first instance's URL; this transport sends each
request to the next instance of that service in turn. It keeps no health state: a request to a
killed instance fails (connection refused or reset) and the patient client's retry goes to the
next instance, which is what a load balancer without health checks would show a client.
"""

import itertools
from collections import Counter
from collections.abc import Iterator

import httpx


class RoundRobinTransport(httpx.AsyncBaseTransport):
    """httpx transport: a request to port P of ``pools`` goes to the next port of ``pools[P]``.

    ``pools``: first instance's port -> every instance's port (loopback). ``sent`` counts the
    requests per port actually chosen. Requests to other ports pass unchanged."""

    def __init__(self, pools: dict[int, list[int]]) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._cycles: dict[int, Iterator[int]] = {
            port: itertools.cycle(ports) for port, ports in pools.items()
        }
        self.sent: Counter[int] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        cycle = self._cycles.get(request.url.port or 0)
        if cycle is not None:
            port = next(cycle)
            request.url = request.url.copy_with(port=port)
            request.headers["Host"] = f"{request.url.host}:{port}"
            self.sent[port] += 1
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
