"""Which webhook URLs the gateway calls, and the pinning of a delivery to a checked address."""

import ipaddress

import pytest
from partner_gateway import webhook_target
from partner_gateway.api.models import WebhookRegistration
from partner_gateway.domain.webhook_url import (
    MAX_LENGTH,
    WebhookUrlRefusedError,
    check_addresses,
    check_form,
    check_written,
    parse,
)

REFUSED_OUTSIDE_DEVELOPMENT = [
    # the failing input: credentials and an API key in the URL
    ("https://user:hunter2@partner.example/hook?api_key=k-123", "webhook_url_credentials"),
    ("http://partner.example/hook", "webhook_url_not_https"),
    ("https://127.0.0.1/hook", "webhook_address_not_global"),
    ("https://[::1]/hook", "webhook_address_not_global"),
    ("https://169.254.169.254/latest/meta-data", "webhook_address_not_global"),  # metadata
    ("https://10.1.2.3/hook", "webhook_address_not_global"),
    ("https://100.64.0.1/hook", "webhook_address_not_global"),  # carrier-grade NAT
    ("https://[::ffff:192.168.0.1]/hook", "webhook_address_not_global"),  # IPv4-mapped
    ("https://[fe80::1]/hook", "webhook_address_not_global"),
    ("https://0.0.0.0/hook", "webhook_address_not_global"),
    ("https://localhost:8443/hook", "webhook_address_not_global"),  # RFC 6761
    ("https://api.localhost/hook", "webhook_address_not_global"),
    ("ftp://partner.example/hook", "webhook_url_invalid"),
    ("https://partner.example:99999/hook", "webhook_url_invalid"),
]


@pytest.mark.parametrize(("url", "code"), REFUSED_OUTSIDE_DEVELOPMENT)
def test_refused_outside_development(url: str, code: str) -> None:
    with pytest.raises(WebhookUrlRefusedError) as refused:
        parse(url, development=False)
    assert refused.value.code == code
    assert "hunter2" not in refused.value.reason
    assert "k-123" not in refused.value.reason


# The seventh trial: addresses accepted although they reach the council's own network, through
# an IPv4 address they embed, or are multicast (not one host at all).
REFUSED_ADDRESSES = [
    "64:ff9b::a00:1",  # NAT64 well-known prefix (RFC 6052 section 2.1) of 10.0.0.1
    "64:ff9b::7f00:1",  # ... of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # ... of 169.254.169.254 (cloud metadata)
    "64:ff9b:1::a00:1",  # NAT64 local-use prefix (RFC 8215): never global
    "2002:a00:1::",  # 6to4 (RFC 3056 section 2) of 10.0.0.1
    "2002:7f00:1::",  # ... of 127.0.0.1
    "::127.0.0.1",  # IPv4-compatible (RFC 4291 section 2.5.5.1, deprecated)
    "::a00:1",  # ... of 10.0.0.1
    "ff02::1",  # IPv6 multicast, link-local scope (RFC 4291 section 2.7)
    "ff0e::1",  # ... global scope: still not one host
    "224.0.0.1",  # IPv4 multicast (RFC 5771)
    "239.255.255.250",  # ... administratively scoped (SSDP)
    "::ffff:224.0.0.1",  # IPv4-mapped multicast
    "2002:e000:1::",  # 6to4 of 224.0.0.1
    "64:ff9b::e000:1",  # NAT64 of 224.0.0.1
]

ACCEPTED_ADDRESSES = [
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8
    "2002:808:808::1",  # 6to4 of 8.8.8.8
    "::ffff:8.8.8.8",  # IPv4-mapped 8.8.8.8
    "2606:4700:4700::1111",
    "8.8.8.8",
]


def _literal_url(address: str) -> str:
    host = f"[{address}]" if ":" in address else address
    return f"https://{host}/hook"


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
async def test_an_embedded_internal_ipv4_or_a_multicast_address_is_refused(address: str) -> None:
    """Judged by the IPv4 address it embeds (NAT64, 6to4, IPv4-compatible, as IPv4-mapped
    already was); the NAT64 local-use prefix and multicast refused outright."""
    with pytest.raises(WebhookUrlRefusedError) as refused:
        check_addresses([ipaddress.ip_address(address)])
    assert refused.value.code == "webhook_address_not_global"
    with pytest.raises(WebhookUrlRefusedError) as refused:
        await webhook_target.check(_literal_url(address), development=False)
    assert refused.value.code == "webhook_address_not_global"
    assert address not in refused.value.reason


@pytest.mark.parametrize("address", ACCEPTED_ADDRESSES)
async def test_an_address_embedding_a_global_ipv4_is_accepted(address: str) -> None:
    check_addresses([ipaddress.ip_address(address)])
    parsed = await webhook_target.check(_literal_url(address), development=False)
    assert parsed.literal_address == ipaddress.ip_address(address)


async def test_teredo_stays_refused() -> None:
    """Teredo (RFC 4380 section 4, 2001::/32) embeds the client's IPv4 obfuscated and a relay
    of unknown reach: refused whatever IPv4 it carries (here 8.8.8.8 as server and client)."""
    address = "2001:0:808:808:0:0:f7f7:f7f7"
    assert ipaddress.IPv6Address(address).teredo is not None
    with pytest.raises(WebhookUrlRefusedError) as refused:
        await webhook_target.check(_literal_url(address), development=False)
    assert refused.value.code == "webhook_address_not_global"


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8190/webhooks", "http://localhost/hook?api_key=k"],
)
def test_development_allows_the_simulator_on_loopback(url: str) -> None:
    assert parse(url, development=True).host in ("127.0.0.1", "localhost")


@pytest.mark.parametrize(
    "url",
    [
        "http://council:hunter2@127.0.0.1:8190/webhooks",
        "https://hunter2@partner.example/hook",
        "https://:hunter2@partner.example/hook",
        "https://@partner.example/hook",
    ],
)
@pytest.mark.parametrize("development", [True, False])
def test_credentials_in_a_url_are_refused_in_development_too(url: str, development: bool) -> None:
    """The fifth trial: in development a URL with user:password@ was taken, and the API and
    ``hub`` showed it back."""
    with pytest.raises(WebhookUrlRefusedError) as refused:
        parse(url, development=development)
    assert refused.value.code == "webhook_url_credentials"
    assert "hunter2" not in refused.value.reason


# The ninth trial: in development the API registered these (and production was only saved by
# the address check or the failed lookup that followed).
BADLY_WRITTEN = [
    "http://partner.example:0/hook",  # port 0 (RFC 6335 section 6: reserved)
    "https://partner.example:0/hook",
    "https://[2606:4700:4700::1111]:0/hook",
    "https://partner..example/hook",  # an empty label (RFC 1034 section 3.1)
    "https://.partner.example/hook",
    "https://partner.example../hook",  # an empty label before the root's
    "https://8..8.8/hook",
    # the tenth trial: a label that begins or ends with a hyphen (RFC 1123 section 2.1)
    "https://-partner.example/hook",
    "https://partner-.example/hook",
    "http://hooks.-partner.example:8190/hook",
]


@pytest.mark.parametrize("url", BADLY_WRITTEN)
@pytest.mark.parametrize("development", [True, False])
async def test_port_0_and_badly_written_host_names_are_invalid_in_any_environment(
    url: str, development: bool
) -> None:
    with pytest.raises(WebhookUrlRefusedError) as refused:
        parse(url, development=development)
    assert refused.value.code == "webhook_url_invalid"
    with pytest.raises(WebhookUrlRefusedError) as refused:
        await webhook_target.check(url, development=development)
    assert refused.value.code == "webhook_url_invalid"
    assert "partner" not in refused.value.reason


@pytest.mark.parametrize(
    "url",
    [
        "https://partner.example./hook",
        "https://partner.example:8443/hook",
        "https://xn--bcher-kva.example/hook",  # a hyphen inside a label (IDNA's A-label)
        "https://re-turn.partner.example/hook",
    ],
)
def test_a_final_dot_and_a_port_stay_allowed(url: str) -> None:
    parse(url, development=False)


# What pydantic's URL type (WHATWG parsing) made of the text sent, and the code the rules give
# the text: the rewritten URL alone passed every rule.
REWRITTEN = [
    ("https://@partner.example/hook", "https://partner.example/hook", "webhook_url_credentials"),
    ("https://:@partner.example/hook", "https://partner.example/hook", "webhook_url_credentials"),
    (
        "http://@127.0.0.1:8190/webhooks",
        "http://127.0.0.1:8190/webhooks",
        "webhook_url_credentials",
    ),
    ("https:///partner.example/hook", "https://partner.example/hook", "webhook_url_invalid"),
    ("https:/partner.example/hook", "https://partner.example/hook", "webhook_url_invalid"),
    # The tenth trial: tabs and line breaks dropped, a space encoded, so another host or path.
    ("https://partner.exa\tmple/hook", "https://partner.example/hook", "webhook_url_invalid"),
    ("https://partner.exa\nmple/hook", "https://partner.example/hook", "webhook_url_invalid"),
    ("https://partner.example/ho\r\nok", "https://partner.example/hook", "webhook_url_invalid"),
    ("https://partner.example/a b", "https://partner.example/a%20b", "webhook_url_invalid"),
    ("https://partner.example/a\x00b", "https://partner.example/a%00b", "webhook_url_invalid"),
    ("https://partner.example/hook", "https://partner.example/hook", None),
]


@pytest.mark.parametrize(
    "written", ["https://partner.example/%zz", "https://partner.example/a%2", "https://p.example/%"]
)
def test_a_percent_sign_that_begins_no_escape_is_refused(written: str) -> None:
    """RFC 3986 section 2.1; the URL type keeps it as sent (the tenth trial)."""
    assert str(WebhookRegistration.model_validate({"url": written}).url) == written
    with pytest.raises(WebhookUrlRefusedError) as refused:
        check_written(written)
    assert refused.value.code == "webhook_url_invalid"


@pytest.mark.parametrize(("written", "rewritten", "code"), REWRITTEN)
@pytest.mark.parametrize("development", [True, False])
async def test_the_text_sent_is_checked_as_well_as_the_url_types_rewriting(
    monkeypatch: pytest.MonkeyPatch,
    written: str,
    rewritten: str,
    code: str | None,
    development: bool,
) -> None:
    """The ninth trial: ``http://@host/`` was registered as ``http://host/`` and ``http:///path``
    as ``http://path/``; the API's body type keeps the text sent (``written``) for the rules."""
    monkeypatch.setattr(webhook_target, "resolve", _resolving_to("93.184.215.14"))
    body = WebhookRegistration.model_validate({"url": written})
    assert (str(body.url), body.written) == (rewritten, written)
    check_written(rewritten)  # the rewritten URL alone passes the rules of every environment
    if code is None:
        await webhook_target.check(str(body.url), development=development, written=body.written)
        return
    with pytest.raises(WebhookUrlRefusedError) as refused:
        await webhook_target.check(str(body.url), development=development, written=body.written)
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://partner.example/hook#Zara", "webhook_url_fragment"),
        ("https://partner.example/hook?route=1#", "webhook_url_fragment"),  # empty, still one
        ("https://partner.example/#/hooks/Zara", "webhook_url_fragment"),
        ("https://partner.example/" + "Zara" * 1250, "webhook_url_too_long"),
        ("https://partner.example/" + "a" * (MAX_LENGTH - 23), "webhook_url_too_long"),
    ],
)
async def test_a_fragment_or_an_overlong_url_is_not_registered(url: str, code: str) -> None:
    """The sixth trial: both were registered. Refused in any environment, quoting nothing."""
    with pytest.raises(WebhookUrlRefusedError) as refused:
        check_form(url)
    assert refused.value.code == code
    assert "Zara" not in refused.value.reason
    for development in (True, False):
        with pytest.raises(WebhookUrlRefusedError):
            await webhook_target.check(url, development=development)


@pytest.mark.parametrize(
    "url",
    [
        "https://partner.example/hook?route=Zara-7&x=1",  # a query: partners route by it
        "https://partner.example/" + "a" * (MAX_LENGTH - 24),  # exactly the bound
    ],
)
def test_a_query_and_a_url_at_the_bound_are_registered(url: str) -> None:
    assert len(url) <= MAX_LENGTH
    check_form(url)


def _resolving_to(*addresses: str) -> object:
    async def resolve(host: str, port: int) -> list[object]:
        del host, port
        return [ipaddress.ip_address(a) for a in addresses]

    return resolve


async def test_a_name_is_refused_when_any_of_its_addresses_is_internal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A public name that also resolves to a private address (one A record is enough for an
    attacker who controls the zone) is refused, at registration and at delivery."""
    monkeypatch.setattr(webhook_target, "resolve", _resolving_to("93.184.215.14", "10.0.0.7"))
    with pytest.raises(WebhookUrlRefusedError):
        await webhook_target.check("https://partner.example/hook", development=False)
    with pytest.raises(WebhookUrlRefusedError):
        await webhook_target.pinned("https://partner.example/hook", development=False)


async def test_an_unresolvable_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhook_target, "resolve", _resolving_to())
    with pytest.raises(WebhookUrlRefusedError) as refused:
        await webhook_target.check("https://nowhere.example/hook", development=False)
    assert refused.value.code == "webhook_host_unresolvable"


@pytest.mark.parametrize(
    ("url", "address", "pinned_url", "host"),
    [
        (
            "https://partner.example/hook?x=1",
            "93.184.215.14",
            "https://93.184.215.14:443/hook?x=1",
            "partner.example",
        ),
        (
            "https://partner.example:8443/hook",
            "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
            "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:8443/hook",
            "partner.example:8443",
        ),
    ],
)
async def test_a_delivery_connects_to_the_address_it_checked(
    monkeypatch: pytest.MonkeyPatch, url: str, address: str, pinned_url: str, host: str
) -> None:
    """No second lookup between check and connect: the URL names the checked address; the
    Host header and the TLS server name (SNI, certificate check) keep the registered name."""
    monkeypatch.setattr(webhook_target, "resolve", _resolving_to(address))
    target = await webhook_target.pinned(url, development=False)
    assert target.url == pinned_url
    assert target.headers == {"host": host}
    assert target.server_hostname == "partner.example"


async def test_development_sends_to_the_url_as_registered() -> None:
    url = "http://127.0.0.1:8190/webhooks"
    target = await webhook_target.pinned(url, development=True)
    assert (target.url, target.headers, target.server_hostname) == (url, {}, None)


# The twelfth trial's leftovers: host names no host can have, registered in any environment.
LABEL_63 = "a" * 63
NAME_253 = ".".join([LABEL_63, LABEL_63, LABEL_63, "a" * 53, "example"])  # 253 characters
NOT_LDH = "url: host name holds a character other than a letter, a digit, a hyphen or a dot"
HOST_NAMES_REFUSED = [
    # RFC 1035 section 2.3.4: a label has at most 63 octets ...
    (f"https://{'z' * 64}.example/hook", "url: host label longer than 63 characters"),
    (f"https://partner.{'z' * 64}/hook", "url: host label longer than 63 characters"),
    # ... counted in the A-label a Unicode label is written as (the URL type's rewriting)
    (f"https://xn--{'z' * 60}.example/hook", "url: host label longer than 63 characters"),
    # ... and a name at most 253 characters written with dots (255 octets on the wire)
    (f"https://z.{NAME_253}/hook", "url: host name longer than 253 characters"),
    (f"https://z.{NAME_253}./hook", "url: host name longer than 253 characters"),
    # RFC 1123 section 2.1: letters, digits and hyphens only (LDH)
    ("https://zara_partner.example/hook", NOT_LDH),
    ("https://partner.zara_example/hook", NOT_LDH),
    ("http://_zara.example:8190/hook", NOT_LDH),
]


@pytest.mark.parametrize(("url", "reason"), HOST_NAMES_REFUSED)
@pytest.mark.parametrize("development", [True, False])
async def test_an_overlong_label_or_name_or_an_underscore_is_invalid(
    url: str, reason: str, development: bool
) -> None:
    """A label over 63 octets, a name over 253 and ``_`` in a host name were registered."""
    with pytest.raises(WebhookUrlRefusedError) as refused:
        check_form(url)
    assert (refused.value.code, refused.value.reasons) == ("webhook_url_invalid", (reason,))
    with pytest.raises(WebhookUrlRefusedError) as refused:
        await webhook_target.check(url, development=development, written=url)
    assert (refused.value.code, refused.value.reasons) == ("webhook_url_invalid", (reason,))
    assert "zara" not in refused.value.reason


@pytest.mark.parametrize(
    "url",
    [
        f"https://{LABEL_63}.example/hook",  # 63 octets: the bound
        f"https://{NAME_253}/hook",  # 253 characters: the bound
        f"https://{NAME_253}./hook",  # ... and the root's final dot
        "https://xn--bcher-kva.example/hook",  # an A-label (RFC 5890 section 2.3.2.1)
        "https://re-turn.partner-hooks.example/hook",  # inner hyphens
        "https://8.8.8.8/hook",
        "https://[2606:4700:4700::1111]:8443/hook",
    ],
)
def test_labels_and_names_at_the_bounds_a_labels_and_inner_hyphens_stay_allowed(
    url: str,
) -> None:
    check_form(url)
    check_written(url)
