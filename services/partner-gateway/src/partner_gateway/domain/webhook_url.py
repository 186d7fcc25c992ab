"""Which webhook URLs the gateway may call (pure rules; resolution is in ``webhook_target``).

A webhook URL is chosen by an administrator but points wherever its host name resolves, so it
is the classic server-side request forgery vector (OWASP SSRF Prevention Cheat Sheet; OWASP
Top 10 2021 A10): a URL to ``127.0.0.1``, ``169.254.169.254`` (cloud metadata) or an internal
service would let the gateway POST signed data into the council's own network. The gateway
only calls URLs:

- without userinfo (``user:password@``: RFC 3986 section 3.2.1 deprecates it; a secret in a
  URL ends up in logs, in the admin's shell history and in every answer that shows the URL
  back), not even an empty one (``http://@host/``), in development too (the fifth new user's
  trial: the API and ``hub`` showed it back);
- with a host name without an empty label (``a..b``) or a label with a hyphen first or last
  (``-a.b``), and a port other than 0, in development
  too (the ninth new user's trial); these rules apply to the URL as the admin wrote it as
  well (:func:`check_written`);
- without a fragment (``#...``) and no longer than :data:`MAX_LENGTH` characters, when it is
  registered (:func:`check_form`; the sixth new user's trial), with a host name of letters,
  digits, hyphens and dots only (RFC 1123 section 2.1), no label longer than 63 octets and no
  more than 253 in all (RFC 1035 section 2.3.4; ``domain.host_name``), when it is registered
  too (:func:`check_form`: a URL registered before these rules keeps its deliveries);

and outside development only:

- ``https`` URLs (the webhook carries case and referral ids; plain HTTP exposes them);
- whose every address is globally reachable (``ipaddress``'s ``is_global``, which follows the
  IANA special-purpose registries, RFC 6890): never loopback, link-local, private, shared
  (100.64/10), reserved, multicast or unspecified. An IPv6 address that embeds an IPv4
  address (IPv4-mapped, IPv4-compatible, NAT64's well-known prefix, 6to4) is judged by that
  IPv4 address, as a translator or relay would deliver it there; NAT64's local-use prefix and
  Teredo are refused whatever they embed (the ninth new user's trial).

Development (``HUB_ENV=development``) allows plain http and any address: the simulator listens
on loopback.

A refusal has a code and one reason, a fixed ``url: ...`` sentence of :data:`REASONS` in the
form of a validation error's (``hub_runtime.validation_reasons``), so the answer says what to
correct without repeating the URL, whose query may carry the partner's secret (OWASP Logging
Cheat Sheet: no secrets in messages).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from partner_gateway.domain import host_name

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_LENGTH = 2048
"""The longest webhook URL the gateway registers, in characters (octets: the API's URL type
writes it in ASCII, the host in IDNA, the rest percent-encoded).

RFC 9110 section 4.1 recommends that senders and recipients support URIs of at least 8,000
octets, so every conforming partner server takes a URL this long, while 2,048 is the common
practical limit of URLs (browsers, proxies and CDNs that refuse longer ones with 414) and far
more than an endpoint with a routing token in its query needs. The bound keeps a pasted
document out of the partners table and out of every delivery's request line."""

# The ``reasons`` of a refusal, ``url: <the rule broken>`` as a validation error's
# (``hub_runtime.validation_reasons``): a closed set of fixed sentences built from nothing the
# admin sent, since the URL's query may carry the partner's secret.
NOT_HTTP_URL = "url: should be an http or https URL with a host"
BAD_PORT = "url: port should be a whole number from 1 to 65535"
EMPTY_LABEL = "url: host name has an empty label (two dots in a row, or a dot first)"
HYPHEN_AT_LABEL_END = "url: host label begins or ends with a hyphen"
LONG_LABEL = f"url: host label longer than {host_name.MAX_LABEL} characters"
LONG_NAME = f"url: host name longer than {host_name.MAX_NAME} characters"
NOT_LDH = "url: host name holds a character other than a letter, a digit, a hyphen or a dot"
CREDENTIALS = "url: must not carry user:password@ or an empty @"
FRAGMENT = "url: must not carry a fragment (#...)"
TOO_LONG = f"url: should have at most {MAX_LENGTH} characters"
SPACE_OR_CONTROL = "url: holds a space or a control character"
BAD_PERCENT = "url: holds a % not followed by two hexadecimal digits"
NOT_HTTPS = "url: should use https outside development"
NOT_GLOBAL = "url: host should have public unicast addresses only"
UNRESOLVABLE = "url: host name does not resolve"
REASONS = frozenset(
    {
        NOT_HTTP_URL,
        BAD_PORT,
        EMPTY_LABEL,
        HYPHEN_AT_LABEL_END,
        LONG_LABEL,
        LONG_NAME,
        NOT_LDH,
        CREDENTIALS,
        FRAGMENT,
        TOO_LONG,
        SPACE_OR_CONTROL,
        BAD_PERCENT,
        NOT_HTTPS,
        NOT_GLOBAL,
        UNRESOLVABLE,
    }
)
"""Every reason a refusal gives (a closed set: a test checks each refusal's is one)."""


class WebhookUrlRefusedError(ValueError):
    """A webhook URL (or one of its addresses) the gateway must not call; ``code`` is a
    machine code, ``reason`` a sentence that never repeats the URL (it may hold a secret);
    ``reasons`` the answer's ``reasons``: one of :data:`REASONS` (fixed words, so they never
    repeat the URL either)."""

    def __init__(self, code: str, reason: str, rule: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.reasons: tuple[str, ...] = (rule,)


@dataclass(frozen=True)
class WebhookUrl:
    """A parsed webhook URL: ``host`` without brackets, ``port`` explicit."""

    parts: SplitResult
    host: str
    port: int

    @property
    def literal_address(self) -> IPAddress | None:
        """The host as an IP address when the URL names one, else None."""
        try:
            return ipaddress.ip_address(self.host)
        except ValueError:
            return None


def check_form(url: str) -> None:
    """The rules on how a URL to register is written (checked at registration only: they do not
    change with time as addresses do, and a URL registered before them keeps its deliveries).

    Raises WebhookUrlRefusedError: ``webhook_url_too_long`` beyond :data:`MAX_LENGTH`
    characters; ``webhook_url_fragment`` for a fragment, even an empty one (RFC 3986 section
    3.5: a fragment is never sent to the server, so for a webhook target it means nothing and
    a partner who relies on it would route nothing). A query stays allowed: partners route by
    it (a token of theirs), and it is sent. ``webhook_url_invalid`` for a host name that
    breaks a rule of ``domain.host_name`` (a character other than a letter, a digit, a hyphen
    or a dot, RFC 1123 section 2.1; a label longer than 63 octets or a name longer than 253,
    RFC 1035 section 2.3.4), judged as the API's URL type writes it (ASCII, a Unicode label as
    its A-label). The reasons never repeat the URL."""
    if len(url) > MAX_LENGTH:
        raise WebhookUrlRefusedError(
            "webhook_url_too_long",
            f"a webhook URL has at most {MAX_LENGTH} characters",
            TOO_LONG,
        )
    # "#" can only start the fragment (RFC 3986 section 3: a delimiter that is percent-encoded
    # everywhere else), so its presence is the fragment's, empty or not.
    if "#" in url:
        raise WebhookUrlRefusedError(
            "webhook_url_fragment",
            "a webhook URL must not carry a fragment (#...): it is never sent to the server",
            FRAGMENT,
        )
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return  # not a URL at all: ``parse`` refuses it
    broken = host_name.broken_rule(host)
    if broken is not None:
        raise WebhookUrlRefusedError(
            "webhook_url_invalid",
            f"the webhook URL's host name has {broken.value}",
            _HOST_NAME_REASONS[broken],
        )


_HOST_NAME_REASONS = {
    host_name.Broken.LONG_LABEL: LONG_LABEL,
    host_name.Broken.LONG_NAME: LONG_NAME,
    host_name.Broken.NOT_LDH: NOT_LDH,
}


def port_of(parts: SplitResult) -> int | None:
    """The port the URL writes (None when it writes none, or ``host:`` with no digits: RFC 3986
    section 3.2.3 allows an empty port, which means the scheme's).

    Raises WebhookUrlRefusedError ``webhook_url_invalid`` for a port that is not 1-65535
    written in ASCII digits (RFC 3986 section 3.2.3: ``port = *DIGIT``; RFC 793 section 3.1:
    16 bits; RFC 6335 section 6: port 0 is reserved, no server listens on it, and ``port or
    443`` would have checked another port than the one called)."""
    try:
        port = parts.port  # ValueError: not digits ("8x", "+80", "-1"), or over 65535
    except ValueError:
        port = 0
    if port == 0:
        raise WebhookUrlRefusedError(
            "webhook_url_invalid", "the webhook URL's port must be between 1 and 65535", BAD_PORT
        )
    return port


def check_port(text: str) -> None:
    """:func:`port_of`'s rule on a URL as the admin wrote it, before a URL type reads it: the
    API's (pydantic's ``AnyHttpUrl``) refuses a port over 65535 or not in digits in its own
    words, as a generic ``invalid_request``, while it takes port 0; checked first, every bad
    port is ``webhook_url_invalid``. Text that is not a URL at all is left to the URL type.
    Raises WebhookUrlRefusedError."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return
    port_of(parts)


def parse(url: str, *, development: bool) -> WebhookUrl:
    """The URL's parts after the rules that need no name resolution.

    Raises WebhookUrlRefusedError (codes ``webhook_url_invalid``: no http(s) scheme, no host,
    a port that is not 1-65535, a host name with an empty label or a label that begins or ends
    with a hyphen; ``webhook_url_credentials``:
    any userinfo, even an empty one; both in any environment; ``webhook_url_not_https``,
    ``webhook_address_not_global`` outside development).
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed IPv6 literal ("https://[::1/")
        raise WebhookUrlRefusedError(
            "webhook_url_invalid", "the webhook URL is not valid", NOT_HTTP_URL
        ) from None
    port = port_of(parts)
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme not in ("https", "http") or not host:
        raise WebhookUrlRefusedError(
            "webhook_url_invalid",
            "the webhook URL needs an http(s) scheme and a host",
            NOT_HTTP_URL,
        )
    if "@" in parts.netloc:  # userinfo, even an empty one ("https://@host/")
        raise WebhookUrlRefusedError(
            "webhook_url_credentials",
            "a webhook URL must not carry credentials (user:password@); the webhook is"
            " authenticated by its signature",
            CREDENTIALS,
        )
    if ":" not in host and "" in (parts.hostname or "").removesuffix(".").split("."):
        # RFC 1034 section 3.1: only the root's label is empty, so a name is never written
        # with two dots in a row or a dot first ("a..b", ".a"); one final dot (the root) is
        # allowed. An IPv6 literal (its ":") has no labels.
        raise WebhookUrlRefusedError(
            "webhook_url_invalid",
            "the webhook URL's host name has an empty label (two dots in a row, or a dot first)",
            EMPTY_LABEL,
        )
    if ":" not in host and any(label[:1] == "-" or label[-1:] == "-" for label in host.split(".")):
        # RFC 1123 section 2.1 (after RFC 952): a host name's label begins and ends with a
        # letter or a digit; a name like "-partner.example" is no host's (the tenth trial).
        raise WebhookUrlRefusedError(
            "webhook_url_invalid",
            "the webhook URL's host name has a label that begins or ends with a hyphen",
            HYPHEN_AT_LABEL_END,
        )
    parsed = WebhookUrl(parts, host, port or (443 if parts.scheme == "https" else 80))
    if development:
        return parsed
    if parts.scheme != "https":
        raise WebhookUrlRefusedError(
            "webhook_url_not_https",
            "a webhook URL must use https outside development",
            NOT_HTTPS,
        )
    literal = parsed.literal_address
    if literal is not None:
        check_addresses([literal])
    elif host.lower() == "localhost" or host.lower().endswith(".localhost"):
        # RFC 6761 section 6.3: these names are loopback whatever a resolver says.
        check_addresses([ipaddress.ip_address("127.0.0.1")])
    return parsed


def check_written(text: str) -> None:
    """The rules of every environment (:func:`parse`'s in development) on a URL to register as
    the admin wrote it, before a URL parser rewrote it.

    The API's URL type (pydantic's ``AnyHttpUrl``, the WHATWG URL Standard's parser) drops an
    empty userinfo (``http://@host/`` becomes ``http://host/``, ``http://:@host/`` too) and
    reads ``http:///path`` (no host, RFC 3986 section 3.2.2) as the host ``path``: checked
    after it only, both were registered (the ninth new user's trial). The rewritten URL, the
    one called, is still checked by every rule (``webhook_target.check``).

    It also drops tabs and line breaks anywhere (``partner.exa<TAB>mple`` becomes another
    host), encodes a space or a control character instead of refusing it, and keeps a ``%``
    not followed by two hexadecimal digits (the tenth new user's trial): RFC 3986 (section 2:
    no space or control character in a URI; section 2.1: ``%`` begins a percent-encoded
    octet) refuses all three, and so does this, as ``webhook_url_invalid``.

    Raises WebhookUrlRefusedError: ``webhook_url_credentials``, ``webhook_url_invalid``."""
    if _SPACE_OR_CONTROL.search(text):
        raise WebhookUrlRefusedError(
            "webhook_url_invalid",
            "the webhook URL holds a space or a control character (RFC 3986 section 2)",
            SPACE_OR_CONTROL,
        )
    if _BAD_PERCENT.search(text):
        raise WebhookUrlRefusedError(
            "webhook_url_invalid",
            "the webhook URL holds a % not followed by two hexadecimal digits (RFC 3986"
            " section 2.1)",
            BAD_PERCENT,
        )
    parse(text, development=True)


_SPACE_OR_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


# RFC 6052 section 2.1: the NAT64 well-known prefix; the IPv4 address is the last 32 bits.
_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
# RFC 8215: the local-use prefix, for translators inside one network, so never global.
_NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")
# RFC 4291 section 2.5.5.1: IPv4-compatible addresses (deprecated), the IPv4 in the last 32 bits.
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_LOW_32_BITS = 0xFFFF_FFFF


def _judged(address: IPAddress) -> IPAddress | None:
    """The address whose reach decides: the IPv4 address an IPv6 address embeds, else the
    address itself; None when the address is refused whatever it embeds."""
    if isinstance(address, ipaddress.IPv4Address):
        return address
    if address in _NAT64_LOCAL_USE or address.teredo is not None:
        # Teredo (RFC 4380 section 4) carries an obfuscated client address and reaches it
        # through a relay; refused outright whatever Python's registry says of 2001::/32.
        return None
    if address.ipv4_mapped is not None:  # ::ffff:0:0/96, RFC 4291 section 2.5.5.2
        return address.ipv4_mapped
    if address.sixtofour is not None:  # 2002::/16, RFC 3056 section 2: bits 16-48
        return address.sixtofour
    if address in _NAT64_WELL_KNOWN or address in _IPV4_COMPATIBLE:
        # ``ipaddress`` has no property for these: the IPv4 address is the low 32 bits.
        # (``::`` and ``::1`` fall here too and stay refused: 0.0.0.0/8 is not global.)
        return ipaddress.IPv4Address(int(address) & _LOW_32_BITS)
    return address


def check_addresses(addresses: list[IPAddress]) -> None:
    """Raises WebhookUrlRefusedError (``webhook_address_not_global``) unless there is at least
    one address and every one is globally reachable unicast: an IPv6 address that embeds an
    IPv4 address (IPv4-mapped, RFC 4291 section 2.5.5.2; IPv4-compatible, section 2.5.5.1;
    NAT64 well-known prefix 64:ff9b::/96, RFC 6052 section 2.1; 6to4 2002::/16, RFC 3056
    section 2) is judged by that IPv4 address; NAT64's local-use prefix 64:ff9b:1::/48 (RFC
    8215) and Teredo 2001::/32 (RFC 4380) are refused; so is any multicast address (224.0.0.0/4,
    RFC 5771; ff00::/8, RFC 4291 section 2.7), which ``is_global`` lets through.
    ``webhook_host_unresolvable`` when there is no address."""
    if not addresses:
        raise WebhookUrlRefusedError(
            "webhook_host_unresolvable", "the webhook host name does not resolve", UNRESOLVABLE
        )
    for address in addresses:
        judged = _judged(address)
        if judged is None or address.is_multicast or judged.is_multicast or not judged.is_global:
            raise WebhookUrlRefusedError(
                "webhook_address_not_global",
                "a webhook URL must point at a public unicast address, never loopback,"
                " link-local, private, multicast or otherwise internal",
                NOT_GLOBAL,
            )
