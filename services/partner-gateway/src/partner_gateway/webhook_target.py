"""Resolving a webhook URL and pinning the POST to an address that was checked.

The rules are in ``domain.webhook_url``. A host name can resolve to a public address when it is
registered and to ``127.0.0.1`` a minute later (DNS rebinding), so outside development the
gateway checks at registration AND before every delivery, and then connects to the very address
it checked: the URL's host is replaced by that address, while the TLS server name (SNI, and so
the certificate check) and the ``Host`` header keep the registered name. No second lookup
happens between the check and the connection (no time-of-check/time-of-use gap).

The delivery worker (``delivery``) sends with aiohttp: ``Target.server_hostname`` goes to the
request's ``server_hostname=`` argument, which aiohttp hands to ``loop.create_connection`` as
the TLS server name: the name sent in SNI (RFC 6066 section 3) and the one the certificate is
verified against (RFC 6125; Python's ``ssl`` with ``check_hostname``), never the IP address in
the URL. aiohttp also keys its kept-alive connections by it, so a connection checked for one
name never carries a request for another name on the same address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass, field

from partner_gateway.domain.webhook_url import (
    IPAddress,
    WebhookUrl,
    check_addresses,
    check_form,
    check_written,
    parse,
)


@dataclass(frozen=True)
class Target:
    """Where to POST: ``url`` the URL to connect to (its host the checked IP address once
    pinned); ``headers`` the ``Host`` header that keeps the registered name (with its port when
    not 443), empty when not pinned; ``server_hostname`` the TLS server name (SNI and the name
    the certificate is verified against), the registered host name when pinned, else None (the
    URL's own host is used)."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    server_hostname: str | None = None


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (TCP), via the event loop's resolver; [] if none."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except (socket.gaierror, UnicodeError):
        return []
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).partition("%")[0])  # no IPv6 zone
        if address not in addresses:
            addresses.append(address)
    return addresses


async def check(url: str, *, development: bool, written: str | None = None) -> WebhookUrl:
    """The URL to register checked by every rule (its form, `check_form`, included), its name
    resolved and every address checked (outside development); ``written``, the URL as the
    admin wrote it when ``url`` is a parser's rewriting of it, checked too (`check_written`).
    Raises WebhookUrlRefusedError."""
    if written is not None:
        check_written(written)
    check_form(url)
    parsed = parse(url, development=development)
    if not development and parsed.literal_address is None:
        check_addresses(await resolve(parsed.host, parsed.port))
    return parsed


async def pinned(url: str, *, development: bool) -> Target:
    """Where to send a delivery now: in development the URL as it is; otherwise the URL with
    its host replaced by the first resolved address, after every address was checked.

    Raises WebhookUrlRefusedError (the delivery is not sent).
    """
    parsed = parse(url, development=development)
    if development or parsed.literal_address is not None:
        return Target(url)
    addresses = await resolve(parsed.host, parsed.port)
    check_addresses(addresses)
    chosen = addresses[0]
    literal = f"[{chosen}]" if chosen.version == 6 else str(chosen)
    parts = parsed.parts
    pinned_url = parts._replace(netloc=f"{literal}:{parsed.port}").geturl()
    default_port = parsed.port == 443
    host_header = parsed.host if default_port else f"{parsed.host}:{parsed.port}"
    return Target(pinned_url, {"host": host_header}, server_hostname=parsed.host)
