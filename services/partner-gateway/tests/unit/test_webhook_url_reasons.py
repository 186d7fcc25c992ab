"""The reasons a refused webhook URL gives: one fixed ``url: ...`` sentence per refusal, from a
closed set, never a part of the URL (its query may carry the partner's secret)."""

import ipaddress

import pytest
from hub_runtime.errors import InvalidError
from partner_gateway import webhook_target
from partner_gateway.api.models import WebhookRegistration
from partner_gateway.domain import webhook_url
from partner_gateway.domain.webhook_url import WebhookUrlRefusedError, check_written

SECRET = "sk-Zara-77"
BAD_PORT = "url: port should be a whole number from 1 to 65535"

# (URL as written, environment is development, code, the one reason)
REFUSED = [
    (
        f"ftp://partner.example/hook?k={SECRET}",
        True,
        "webhook_url_invalid",
        "url: should be an http or https URL with a host",
    ),
    (
        f"https://[::1/hook?k={SECRET}",
        True,
        "webhook_url_invalid",
        "url: should be an http or https URL with a host",
    ),
    (
        f"https://partner.example:0/hook?k={SECRET}",
        True,
        "webhook_url_invalid",
        "url: port should be a whole number from 1 to 65535",
    ),
    (
        f"https://partner..example/hook?k={SECRET}",
        True,
        "webhook_url_invalid",
        "url: host name has an empty label (two dots in a row, or a dot first)",
    ),
    (
        f"https://-partner.example/hook?k={SECRET}",
        True,
        "webhook_url_invalid",
        "url: host label begins or ends with a hyphen",
    ),
    (
        f"https://partner.example/a b?k={SECRET}",
        True,
        "webhook_url_invalid",
        "url: holds a space or a control character",
    ),
    (
        f"https://partner.example/%zz?k={SECRET}",
        True,
        "webhook_url_invalid",
        "url: holds a % not followed by two hexadecimal digits",
    ),
    (
        f"https://u:{SECRET}@partner.example/hook",
        True,
        "webhook_url_credentials",
        "url: must not carry user:password@ or an empty @",
    ),
    (
        f"https://partner.example/hook?k={SECRET}#top",
        True,
        "webhook_url_fragment",
        "url: must not carry a fragment (#...)",
    ),
    (
        f"https://partner.example/{SECRET}" + "a" * 2048,
        True,
        "webhook_url_too_long",
        "url: should have at most 2048 characters",
    ),
    (
        f"http://partner.example/hook?k={SECRET}",
        False,
        "webhook_url_not_https",
        "url: should use https outside development",
    ),
    (
        f"https://10.0.0.1/hook?k={SECRET}",
        False,
        "webhook_address_not_global",
        "url: host should have public unicast addresses only",
    ),
    (
        f"https://nowhere.example/hook?k={SECRET}",
        False,
        "webhook_host_unresolvable",
        "url: host name does not resolve",
    ),
]


@pytest.mark.parametrize(("url", "development", "code", "reason"), REFUSED)
async def test_each_refusal_gives_one_fixed_reason_that_quotes_nothing(
    monkeypatch: pytest.MonkeyPatch, url: str, development: bool, code: str, reason: str
) -> None:
    """Before, every refusal's ``reasons`` was empty: the answer named no field to correct."""

    async def resolve(host: str, port: int) -> list[ipaddress.IPv4Address]:
        del host, port
        return []

    monkeypatch.setattr(webhook_target, "resolve", resolve)
    with pytest.raises(WebhookUrlRefusedError) as refused:
        await webhook_target.check(url, development=development, written=url)
    assert (refused.value.code, refused.value.reasons) == (code, (reason,))
    assert reason in webhook_url.REASONS
    for said in (refused.value.reason, *refused.value.reasons):
        assert "Zara" not in said
        assert "partner" not in said
        assert "example" not in said


FULLWIDTH_123 = "\uff11\uff12\uff13"  # digits to Unicode, not to RFC 3986 (DIGIT is ASCII)
BAD_PORTS = ["0", "00", "65536", "99999", "4294967297", "-1", "+80", "8x", "0x1bb", FULLWIDTH_123]


@pytest.mark.parametrize("port", BAD_PORTS)
def test_every_out_of_range_or_malformed_port_is_webhook_url_invalid(port: str) -> None:
    """Port 0 was ``webhook_url_invalid`` but 65536 or ``8x`` the generic ``invalid_request``
    (the API's URL type refused them first, in its own words): now the same code and reason,
    from the API's body type as from the rules (RFC 3986 section 3.2.3, RFC 6335 section 6)."""
    url = f"https://partner.example:{port}/hook?k={SECRET}"
    with pytest.raises(WebhookUrlRefusedError) as refused:
        check_written(url)
    assert (refused.value.code, refused.value.reasons) == ("webhook_url_invalid", (BAD_PORT,))
    with pytest.raises(InvalidError) as invalid:
        WebhookRegistration.model_validate({"url": url})
    assert (invalid.value.code, invalid.value.reasons) == ("webhook_url_invalid", (BAD_PORT,))
    assert "Zara" not in invalid.value.reason


@pytest.mark.parametrize("port", ["", "1", "0443", "65535"])
def test_a_port_from_1_to_65535_or_none_is_taken(port: str) -> None:
    """RFC 3986 section 3.2.3: ``port = *DIGIT``, so an empty port and leading zeros too."""
    url = f"https://partner.example:{port}/hook"
    check_written(url)
    WebhookRegistration.model_validate({"url": url})
