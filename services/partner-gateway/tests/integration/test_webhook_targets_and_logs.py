"""Webhook targets are checked at registration and at delivery; their secrets never reach a log.

Issue 13, class 5, over HTTP on the real stack. Name resolution is replaced by a stand-in (the
test machine has no DNS and the point is a name that changes its answer); everything else is
the running gateway.
"""

import io
import ipaddress
import json
import logging
import socket
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hub_runtime.logs import configure_logging
from hub_runtime.testing import wait_until
from partner_gateway import webhook_target
from partner_gateway.simulator import Mode

from .conftest import Gateway

pytestmark = pytest.mark.integration

PUBLIC = "93.184.215.14"


class Resolver:
    """Stands in for DNS: ``answers`` maps a host name to its addresses, changeable mid-test."""

    def __init__(self) -> None:
        self.answers: dict[str, list[str]] = {}

    async def __call__(self, host: str, port: int) -> list[Any]:
        del port
        return [ipaddress.ip_address(a) for a in self.answers.get(host, [])]


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Resolver:
    fake = Resolver()
    monkeypatch.setattr(webhook_target, "resolve", fake)
    return fake


# Production mode: its admin signs in at the tests' Keycloak, which may start first (minutes).
@pytest.mark.timeout(600)
async def _stored_url(gateway: Gateway, partner_id: uuid.UUID) -> str | None:
    """The webhook URL the gateway's database holds for ``partner_id``."""
    assert gateway.runtime.context is not None
    url: str | None = await gateway.runtime.context.pool.fetchval(
        "SELECT webhook_url FROM partners WHERE partner_id = $1", partner_id
    )
    return url


async def test_production_refuses_internal_and_credentialed_webhook_urls(
    start_gateway: Any, resolver: Resolver
) -> None:
    """The issue's inputs (loopback; ``user:password@`` and ``?api_key=``) and more of the same
    class it does not list: cloud metadata, an IPv4-mapped private address, plain http, and a
    public-looking name that resolves to a private address."""
    gateway: Gateway = await start_gateway(hub_env="production")
    resolver.answers = {"partner.example": [PUBLIC], "intranet.example": ["192.168.10.4"]}
    partner_id = await gateway.register_partner()
    await gateway.wait_for_partner(partner_id)
    refused = {
        "https://127.0.0.1:8190/webhooks": "webhook_address_not_global",
        "https://user:hunter2@partner.example/hook?api_key=k-123": "webhook_url_credentials",
        "https://169.254.169.254/latest/meta-data/": "webhook_address_not_global",
        "https://[::ffff:10.0.0.1]/hook": "webhook_address_not_global",
        "http://partner.example/hook": "webhook_url_not_https",
        "https://intranet.example/hook": "webhook_address_not_global",
        "https://unknown.example/hook": "webhook_host_unresolvable",
        # the ninth trial: the URL type rewrote the first two into URLs that passed
        "https://@partner.example/hook": "webhook_url_credentials",
        "https:///partner.example/hook": "webhook_url_invalid",
        "https://partner.example:0/hook": "webhook_url_invalid",
        "https://partner..example/hook": "webhook_url_invalid",
    }
    for url, code in refused.items():
        answer = await gateway.put_webhook(partner_id, url)
        assert answer.status_code == 422, (url, answer.text)
        assert answer.json()["error"] == code, url
        assert "hunter2" not in answer.text
        assert "k-123" not in answer.text
    accepted = await gateway.put_webhook(partner_id, "https://partner.example/hook")
    assert accepted.status_code == 200, accepted.text


# Production mode: its admin signs in at the tests' Keycloak, which may start first (minutes).
@pytest.mark.timeout(600)
async def test_a_name_that_resolves_internally_later_is_refused_at_delivery(
    start_gateway: Any, resolver: Resolver
) -> None:
    """DNS rebinding: public when registered, loopback when the webhook goes out."""
    gateway: Gateway = await start_gateway(hub_env="production")
    resolver.answers = {"partner.example": [PUBLIC]}
    partner_id = await gateway.register_partner()
    await gateway.wait_for_partner(partner_id)
    registered = await gateway.put_webhook(partner_id, "https://partner.example/hook")
    assert registered.status_code == 200, registered.text

    resolver.answers = {"partner.example": ["127.0.0.1"]}
    case_id = uuid.uuid4()
    await gateway.approve(case_id, partner_id, await gateway.consent(case_id, partner_id))

    async def refused_attempt() -> bool:
        log = await gateway.http.get(
            "/admin/deliveries", params={"partner_id": str(partner_id)}, headers=gateway.admin()
        )
        return any(item["last_error"] == "address_refused" for item in log.json()["items"])

    await wait_until(refused_attempt)


# Lowered to DEBUG while a test writes the service log: the secrets must stay out even where
# the delivery's HTTP client (aiohttp) and the gateway say everything they have to say.
LOWERED = ("aiohttp", "aiohttp.client", "aiohttp.internal", "partner_gateway")


@pytest.fixture
def service_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """What a service process prints: its logging (configure_logging) writing to a buffer,
    with the loggers of `LOWERED` at DEBUG; all restored afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    levels = {name: logging.getLogger(name).level for name in LOWERED}
    buffer = io.StringIO()
    with monkeypatch.context() as patched:
        patched.setattr(sys, "stdout", buffer)
        configure_logging("INFO")  # its handler keeps the buffer as its stream
    for name in LOWERED:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def _closed_port() -> int:
    """A loopback port nothing listens on (a connection to it is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_a_webhook_url_with_secrets_never_reaches_the_log(
    gateway: Gateway, service_log: io.StringIO
) -> None:
    """The issue's failing input: in development such a URL is accepted (the simulator), and
    every delivery used to print it in full through httpx's logger. Now sent with aiohttp
    (issue 16): one webhook fails with a 500, then with a refused connection, then is
    delivered, each time to a URL whose query carries the secret; not one character of it is
    in the service's log, while the worker's lines for all three outcomes are. (A URL with
    ``user:password@`` is refused in development too since the fifth trial: see below.)"""
    partner_id, sim = await gateway.simulated_partner()
    sim.mode = Mode.FAILING

    async def register(base: str) -> None:
        registered = await gateway.put_webhook(partner_id, f"{base}?api_key=sk-canary-77")
        assert registered.status_code == 200, registered.text
        sim.webhook_secret = registered.json()["secret"]

    async def failed_with(code: str) -> None:
        async def recorded() -> bool:
            log = await gateway.http.get(
                "/admin/deliveries",
                params={"partner_id": str(partner_id)},
                headers=gateway.admin(),
            )
            return any(item["last_error"] == code for item in log.json()["items"])

        recorded.__qualname__ = f"a delivery failed with {code}"
        await wait_until(recorded)

    await register(sim.webhook_url)
    case_id = uuid.uuid4()
    referral_id = await gateway.approve(
        case_id, partner_id, await gateway.consent(case_id, partner_id)
    )
    await failed_with("server_error")
    await register(f"http://127.0.0.1:{_closed_port()}/webhooks")
    await failed_with("unreachable")
    sim.mode = Mode.UP
    await register(sim.webhook_url)

    async def received() -> bool:
        return str(referral_id) in sim.record.referrals_notified

    await wait_until(received)

    async def all_three_logged() -> bool:
        """The worker logs an outcome after recording it, so after the partner saw it."""
        lines = service_log.getvalue().splitlines()
        worker = [json.loads(x) for x in lines if '"partner_gateway.delivery"' in x]
        return {
            ("webhook delivery failed", "server_error"),
            ("webhook delivery failed", "unreachable"),
            ("webhook delivered", None),
        } <= {(line["message"], line.get("status")) for line in worker}

    await wait_until(all_three_logged)
    assert "sk-canary-77" not in service_log.getvalue()


async def test_a_malformed_webhook_url_gets_the_hubs_sentence(gateway: Gateway) -> None:
    """The fifth new user's trial: ``url: Input should be a valid URL`` (pydantic's words)."""
    partner_id = await gateway.register_partner()
    await gateway.wait_for_partner(partner_id)
    expected = {
        "Zara Probe": "url: should be an absolute URL with a scheme and a host, e.g."
        " https://example.org/",
        "https://": "url: should be an absolute URL with a scheme and a host, e.g."
        " https://example.org/",
        "ftp://partner.example/hook": "url: should be a URL whose scheme is 'http' or 'https'",
    }
    for url, reason in expected.items():
        answer = await gateway.put_webhook(partner_id, url)
        assert answer.status_code == 422, (url, answer.text)
        assert answer.json()["error"] == "invalid_request"
        assert answer.json()["reasons"] == [reason], url
        assert "Zara" not in answer.text
    not_text = await gateway.http.put(
        f"/admin/partners/{partner_id}/webhook", json={"url": 5}, headers=gateway.admin()
    )
    assert not_text.status_code == 422
    assert not_text.json()["reasons"] == ["url: should be a URL written as a JSON string"]


async def test_a_webhook_url_with_credentials_is_refused_in_development_too(
    gateway: Gateway, service_log: io.StringIO
) -> None:
    """The fifth new user's trial: in development a URL with ``user:password@`` was taken and
    shown back by the API (and ``hub``). Now 422 ``webhook_url_credentials`` (the rules of
    ``domain.webhook_url``), quoting nothing, and nothing stored."""
    partner_id, sim = await gateway.simulated_partner()
    host = sim.webhook_url.split("//", 1)[1]
    written = (
        f"http://council:hunter2pw@{host}",
        f"http://hunter2pw@{host}",
        f"http://@{host}?hunter2pw",  # the ninth trial: an empty user part was dropped, taken
        f"http://:@{host}?hunter2pw",
    )
    for url in written:
        answer = await gateway.put_webhook(partner_id, url)
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"] == "webhook_url_credentials"
        assert "hunter2pw" not in answer.text
    assert await _stored_url(gateway, partner_id) == sim.webhook_url  # the one before, unchanged
    assert "hunter2pw" not in service_log.getvalue()


async def test_a_url_without_a_host_with_port_0_or_an_empty_label_is_refused_in_development(
    gateway: Gateway,
) -> None:
    """The ninth new user's trial: in development ``http:///path`` was registered (as
    ``http://path/``), and so were port 0 and ``a..b``. Now 422 ``webhook_url_invalid``, quoting
    nothing, nothing stored."""
    partner_id, sim = await gateway.simulated_partner()
    port = sim.webhook_url.rsplit(":", 1)[1].split("/")[0]
    for url in (
        "http:///zara-probe/webhooks",
        f"http:///127.0.0.1:{port}/webhooks",
        "http://127.0.0.1:0/zara-probe",
        f"http://zara..probe:{port}/webhooks",
        f"http://.zara-probe:{port}/webhooks",
        # the tenth trial: a tab dropped, a space encoded, a stray % kept by the URL type
        f"http://127.0.0.1:{port}/zara\tprobe",
        f"http://127.0.0.1:{port}/zara probe",
        f"http://127.0.0.1:{port}/zara%zzprobe",
    ):
        answer = await gateway.put_webhook(partner_id, url)
        assert answer.status_code == 422, (url, answer.text)
        assert answer.json()["error"] == "webhook_url_invalid", url
        assert "zara" not in answer.text.lower()
    assert await _stored_url(gateway, partner_id) == sim.webhook_url  # the one before, unchanged


async def test_a_webhook_url_with_a_fragment_or_a_long_path_is_refused(gateway: Gateway) -> None:
    """The sixth new user's trial: a fragment (never sent, RFC 3986 section 3.5) and a
    5,000-character path were registered. Now 422 with a code, quoting nothing, nothing
    stored; a query is still taken."""
    partner_id, sim = await gateway.simulated_partner()
    refused = {
        f"{sim.webhook_url}#Zara-Probe": "webhook_url_fragment",
        f"{sim.webhook_url}?route=r1#": "webhook_url_fragment",
        f"{sim.webhook_url}/{'Zara' * 1250}": "webhook_url_too_long",
    }
    for url, code in refused.items():
        answer = await gateway.put_webhook(partner_id, url)
        assert answer.status_code == 422, (url[:80], answer.text)
        assert answer.json()["error"] == code
        assert "Zara" not in answer.text
        assert "route" not in answer.text
    assert await _stored_url(gateway, partner_id) == sim.webhook_url  # the one before, unchanged
    with_query = await gateway.put_webhook(partner_id, f"{sim.webhook_url}?route=r1")
    assert with_query.status_code == 200, with_query.text


async def test_a_refused_webhook_url_names_its_rule_in_reasons_quoting_nothing(
    gateway: Gateway,
) -> None:
    """Before, every ``webhook_url_*`` answer had ``"reasons": []``: now one fixed ``url: ...``
    sentence (as a validation error's), never a part of the URL, whose query may hold a
    secret; the error shape stays ``{"error", "detail", "reasons"}``."""
    partner_id, sim = await gateway.simulated_partner()
    base = sim.webhook_url
    host = base.split("//", 1)[1]
    refused = {
        "http://127.0.0.1:0/hook?k=sk-Zara": (
            "webhook_url_invalid",
            "url: port should be a whole number from 1 to 65535",
        ),
        "http://zara..probe/hook?k=sk-Zara": (
            "webhook_url_invalid",
            "url: host name has an empty label (two dots in a row, or a dot first)",
        ),
        f"http://zara:sk-Zara@{host}": (
            "webhook_url_credentials",
            "url: must not carry user:password@ or an empty @",
        ),
        f"{base}?k=sk-Zara#top": ("webhook_url_fragment", "url: must not carry a fragment (#...)"),
        f"{base}?k=sk-Zara&{'a' * 2048}": (
            "webhook_url_too_long",
            "url: should have at most 2048 characters",
        ),
    }
    for url, (code, reason) in refused.items():
        answer = await gateway.put_webhook(partner_id, url)
        assert answer.status_code == 422, (url[:80], answer.text)
        body = answer.json()
        assert set(body) == {"error", "detail", "reasons"}
        assert (body["error"], body["reasons"]) == (code, [reason]), url[:80]
        assert "zara" not in answer.text.lower()


async def test_an_overlong_host_label_or_name_or_an_underscore_is_refused(
    gateway: Gateway,
) -> None:
    """A label over 63 octets, a name over 253 (RFC 1035 section 2.3.4) and ``_`` in a host name
    (RFC 1123 section 2.1) were registered. Now 422 ``webhook_url_invalid`` with the rule in
    ``reasons``, quoting nothing, nothing stored; an A-label, inner hyphens and names at the
    bounds are still registered."""
    partner_id, sim = await gateway.simulated_partner()
    port = sim.webhook_url.rsplit(":", 1)[1].split("/")[0]
    label_63 = "a" * 63
    name_253 = ".".join([label_63, label_63, label_63, "a" * 53, "example"])
    refused = {
        f"http://{'zara' * 16}.example:{port}/hook": "url: host label longer than 63 characters",
        f"http://{'ü' * 60}.example:{port}/hook": "url: host label longer than 63 characters",
        f"http://zara.{name_253}:{port}/hook": "url: host name longer than 253 characters",
        f"http://zara_probe.example:{port}/hook": "url: host name holds a character other than"
        " a letter, a digit, a hyphen or a dot",
    }
    for url, reason in refused.items():
        answer = await gateway.put_webhook(partner_id, url)
        assert answer.status_code == 422, (url, answer.text)
        assert (answer.json()["error"], answer.json()["reasons"]) == (
            "webhook_url_invalid",
            [reason],
        ), url
        assert "zara" not in answer.text.lower()
    assert await _stored_url(gateway, partner_id) == sim.webhook_url  # the one before, unchanged
    for url in (
        f"http://{label_63}.example:{port}/hook",
        f"http://{name_253}:{port}/hook",
        f"http://xn--bcher-kva.re-turn.example:{port}/hook",
        f"http://bücher.example:{port}/hook",
    ):
        accepted = await gateway.put_webhook(partner_id, url)
        assert accepted.status_code == 200, (url, accepted.text)


async def test_every_out_of_range_or_malformed_port_is_webhook_url_invalid(
    gateway: Gateway,
) -> None:
    """Port 0 was ``webhook_url_invalid`` while 65536 or ``8x`` was the generic
    ``invalid_request`` ("url: should be an absolute URL ..."): now one code and one reason for
    every port that is not 1-65535 in digits, quoting nothing, nothing stored."""
    partner_id, sim = await gateway.simulated_partner()
    for port in ("0", "65536", "99999", "-1", "8x", "+80"):
        url = f"http://127.0.0.1:{port}/hook?k=sk-Zara"
        answer = await gateway.put_webhook(partner_id, url)
        assert answer.status_code == 422, (url, answer.text)
        assert answer.json() == {
            "error": "webhook_url_invalid",
            "detail": "the webhook URL's port must be between 1 and 65535",
            "reasons": ["url: port should be a whole number from 1 to 65535"],
        }, url
    assert await _stored_url(gateway, partner_id) == sim.webhook_url  # the one before, unchanged
