"""The webhook POST on a real TLS socket (issue 16: the delivery worker sends with aiohttp).

A local HTTPS server on 127.0.0.1 plays the partner ``partner.example``, with a certificate
from a test authority (``trustme``). The worker runs as in production (``development`` False)
through its real `DeliveryWorker.session` and `_post`, so the URL is resolved, checked and
pinned by ``webhook_target``. Two stand-ins: name resolution answers 127.0.0.1 (the test
machine has no DNS, and the pinning must connect to the answer it checked), and the address
check, which refuses loopback, records what it was shown and lets it through (its rules are
tested in ``test_webhook_targets.py``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import certifi
import pytest
import trustme
from aiohttp import web
from hub_runtime.settings import HubSettings
from partner_gateway import webhook_target
from partner_gateway.clock import Clock
from partner_gateway.config import Settings
from partner_gateway.delivery import USER_AGENT, DeliveryWorker, Outcome
from partner_gateway.domain.signing import secret_from_bytes
from partner_gateway.repository import DueDelivery
from standardwebhooks.webhooks import Webhook

SECRET = secret_from_bytes(b"k" * 32)
BODY = '{"type":"referral.ready","referral_id":"r-1"}'
LOOPBACK = ipaddress.ip_address("127.0.0.1")


@dataclass
class Seen:
    """One request the partner's server received."""

    path: str
    headers: dict[str, str]
    body: bytes
    peer: Any  # the client's (address, port): the same on a kept-alive connection


@dataclass
class Partner:
    """The HTTPS server: ``sni`` the server names clients asked for in the TLS handshake."""

    port: int
    seen: list[Seen] = field(default_factory=list)
    sni: list[str | None] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)  # request targets as sent (raw)

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[list[Any]]:
    """Every name resolves to 127.0.0.1; the addresses shown to the check are recorded."""
    shown: list[list[Any]] = []

    async def resolve(host: str, port: int) -> list[Any]:
        del host, port
        return [LOOPBACK]

    def check_addresses(addresses: Sequence[Any]) -> None:
        shown.append(list(addresses))

    monkeypatch.setattr(webhook_target, "resolve", resolve)
    monkeypatch.setattr(webhook_target, "check_addresses", check_addresses)
    return shown


async def _serve(cert: trustme.LeafCert) -> tuple[Partner, web.AppRunner]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    partner = Partner(port=sock.getsockname()[1])

    async def handle(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        peer = request.transport.get_extra_info("peername") if request.transport else None
        partner.seen.append(Seen(request.path, dict(request.headers), body, peer))
        partner.targets.append(request.raw_path)
        if request.path == "/moved":
            raise web.HTTPTemporaryRedirect("/elsewhere")
        if request.path == "/found":
            raise web.HTTPFound(f"https://127.0.0.1:{partner.port}/elsewhere")
        if request.path == "/broken":
            return web.Response(status=500, text="down")
        if request.path == "/slow":
            await asyncio.sleep(10)
        if request.path.startswith("/streamed"):  # the body comes after the head, later
            answer = web.StreamResponse(status=200)
            answer.content_length = 2048
            await answer.prepare(request)
            await asyncio.sleep(0.05)
            await answer.write(b"k" * 2048)
            return answer
        return web.Response(status=204)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)

    def sni(_sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        partner.sni.append(name)

    context.sni_callback = sni
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    await web.SockSite(runner, sock, ssl_context=context).start()
    return partner, runner


@pytest.fixture
async def serving(ca: trustme.CA) -> AsyncIterator[Any]:
    """``await serving(*names)``: a partner server whose certificate names ``names``."""
    runners: list[web.AppRunner] = []

    async def start(*names: str) -> Partner:
        partner, runner = await _serve(ca.issue_cert(*names))
        runners.append(runner)
        return partner

    yield start
    for runner in runners:
        await runner.cleanup()


def _trusting(ca: trustme.CA) -> ssl.SSLContext:
    return ssl.create_default_context(cadata=ca.cert_pem.bytes().decode("ascii"))


def _worker(trust: ssl.SSLContext | None, timeout: float = 5.0) -> DeliveryWorker:
    settings = Settings(hub=HubSettings(env="production"), delivery_timeout_seconds=timeout)
    assert not settings.hub.development
    return DeliveryWorker(settings, Clock(), trust=trust)


def _due(url: str) -> DueDelivery:
    return DueDelivery(
        id=1,
        notification_id=uuid.uuid4(),
        partner_id=uuid.uuid4(),
        case_id=uuid.uuid4(),
        referral_id=uuid.uuid4(),
        notice_id=None,
        kind="referral.ready",
        body=BODY,
        attempts=0,
        webhook_url=url,
        secrets=(SECRET,),
        partner_type="ngo",
        ever_origin_authority=False,
    )


async def _post(worker: DeliveryWorker, *urls: str) -> list[Outcome]:
    """The URLs' deliveries one after the other in one session, as one worker run sends."""
    async with worker.session() as session:
        return [await worker._post(session, _due(url)) for url in urls]


async def test_a_pinned_post_reaches_the_checked_address_under_the_registered_name(
    ca: trustme.CA, serving: Any, checked: list[list[Any]]
) -> None:
    """Delivered to 127.0.0.1, the address that was checked (partner.example resolves nowhere
    else: a second lookup would fail), with SNI, certificate check and ``Host`` for the
    registered name, and a Standard Webhooks signature the official SDK verifies."""
    partner = await serving("partner.example")
    url = f"https://partner.example:{partner.port}/hook?route=r1"
    (outcome,) = await _post(_worker(_trusting(ca)), url)
    assert outcome == Outcome(ok=True, status=204, code="delivered")
    assert checked == [[LOOPBACK]]
    assert partner.sni == ["partner.example"]
    (seen,) = partner.seen
    assert seen.path == "/hook"
    assert seen.headers["Host"] == f"partner.example:{partner.port}"
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.body == BODY.encode()
    Webhook(SECRET).verify(seen.body, seen.headers)  # raises unless authentic and fresh


@pytest.mark.parametrize(
    ("names", "trusted"),
    [
        (("other.example",), True),  # a trusted certificate, for another name
        (("127.0.0.1",), True),  # for the address connected to: the name is what counts
        (("partner.example",), False),  # the right name, from an authority not trusted
    ],
)
async def test_a_certificate_that_does_not_prove_the_registered_name_is_not_delivered(
    ca: trustme.CA,
    serving: Any,
    checked: list[list[Any]],
    names: tuple[str, ...],
    trusted: bool,
) -> None:
    """The handshake fails, nothing reaches the server, the attempt is ``unreachable``.
    Untrusted: the worker's default trust store (certifi's bundle) lacks the test authority."""
    partner = await serving(*names)
    worker = _worker(_trusting(ca) if trusted else None)
    (outcome,) = await _post(worker, f"https://partner.example:{partner.port}/hook")
    assert outcome == Outcome(ok=False, status=None, code="unreachable")
    assert checked == [[LOOPBACK]]
    assert partner.sni == ["partner.example"]
    assert partner.seen == []


@pytest.mark.parametrize(("path", "status"), [("/moved", 307), ("/found", 302)])
async def test_a_redirect_is_never_followed(
    ca: trustme.CA, serving: Any, checked: list[list[Any]], path: str, status: int
) -> None:
    """A 3xx is a failed attempt; its target (here on the same server, which a followed
    redirect would reach) is never called."""
    partner = await serving("partner.example", "127.0.0.1")
    (outcome,) = await _post(
        _worker(_trusting(ca)), f"https://partner.example:{partner.port}{path}"
    )
    assert outcome == Outcome(ok=False, status=status, code="unexpected_status")
    assert partner.paths() == [path]


async def test_a_kept_alive_connection_serves_only_the_name_it_was_checked_for(
    ca: trustme.CA, serving: Any, checked: list[list[Any]]
) -> None:
    """Two webhooks to partner.example share one connection (the answer's body, which comes
    after its head, is read to its end, so the connection is kept alive); a webhook for
    another name on the same address does not ride on it: it gets a handshake of its own,
    which this certificate (partner.example only) fails."""
    partner = await serving("partner.example")
    base = f"https://partner.example:{partner.port}"
    other = f"https://other.example:{partner.port}"
    outcomes = await _post(
        _worker(_trusting(ca)), f"{base}/streamed/a", f"{base}/streamed/b", f"{other}/c"
    )
    assert [o.code for o in outcomes] == ["delivered", "delivered", "unreachable"]
    assert partner.paths() == ["/streamed/a", "/streamed/b"]
    assert partner.seen[0].peer == partner.seen[1].peer  # one connection
    assert partner.sni == ["partner.example", "other.example"]


async def test_failures_are_outcomes_never_exceptions(
    ca: trustme.CA, serving: Any, checked: list[list[Any]]
) -> None:
    """A 500, a timeout (``delivery_timeout_seconds`` for the whole POST) and a refused
    connection each give the failure code the delivery log records."""
    partner = await serving("partner.example")
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()  # nothing listens there any more
    base = f"https://partner.example:{partner.port}"
    outcomes = await _post(
        _worker(_trusting(ca), timeout=0.5),
        f"{base}/broken",
        f"{base}/slow",
        f"https://partner.example:{closed_port}/hook",
    )
    assert outcomes == [
        Outcome(ok=False, status=500, code="server_error"),
        Outcome(ok=False, status=None, code="timeout"),
        Outcome(ok=False, status=None, code="unreachable"),
    ]


def test_the_default_trust_store_is_certifis_bundle() -> None:
    """Without ``trust``, the worker verifies certificates and names with exactly certifi's
    authorities (as httpx did): not the system's store, not the test authority."""
    trust = _worker(None).trust
    assert trust.verify_mode == ssl.CERT_REQUIRED
    assert trust.check_hostname
    bundle = ssl.create_default_context(cafile=certifi.where()).get_ca_certs()
    assert len(bundle) > 100
    assert trust.get_ca_certs() == bundle


async def test_the_registered_url_is_sent_byte_for_byte(
    ca: trustme.CA, serving: Any, checked: list[list[Any]]
) -> None:
    """Percent-escapes of reserved characters in the path and query (a partner's routing
    token) reach the partner as registered, not decoded to the characters they stand for."""
    partner = await serving("partner.example")
    target = "/hook/a%2Fb?token=SEKRET%3Ab%40c%2Fd%3Fe%2C%21&x=%2B%3D"
    (outcome,) = await _post(
        _worker(_trusting(ca)), f"https://partner.example:{partner.port}{target}"
    )
    assert outcome.code == "delivered"
    assert partner.targets == [target]


async def test_a_webhook_names_the_hub_not_its_http_library(
    ca: trustme.CA, serving: Any, checked: list[list[Any]]
) -> None:
    """The ninth trial: webhooks carried aiohttp's ``User-Agent`` (``Python/3.x
    aiohttp/3.y``), telling every partner which library versions the gateway runs."""
    partner = await serving("partner.example")
    (outcome,) = await _post(_worker(_trusting(ca)), f"https://partner.example:{partner.port}/h")
    assert outcome.code == "delivered"
    (seen,) = partner.seen
    assert seen.headers["User-Agent"] == USER_AGENT == "council-hub-webhooks/1"


async def test_a_host_the_resolver_cannot_encode_is_unreachable() -> None:
    """A label over 63 characters (RFC 1035 section 2.3.4), which IDNA cannot encode, is an
    attempt recorded as ``unreachable`` (retried, then given up), never an exception that
    leaves the delivery pending for ever (development: the URL is sent as registered)."""
    settings = Settings(hub=HubSettings(env="development"), delivery_timeout_seconds=2)
    worker = DeliveryWorker(settings, Clock())
    (outcome,) = await _post(worker, f"http://{'a' * 70}.example:9391/hook")
    assert outcome == Outcome(ok=False, status=None, code="unreachable")
