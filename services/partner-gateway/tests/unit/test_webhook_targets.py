"""Which webhook URLs the gateway calls, and the pinning of a delivery to a checked address."""

import ipaddress

import pytest
from partner_gateway import webhook_target
from partner_gateway.domain.webhook_url import (
    MAX_LENGTH,
    WebhookUrlRefusedError,
    check_form,
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
