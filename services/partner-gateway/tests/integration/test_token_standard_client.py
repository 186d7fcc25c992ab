"""A standard OAuth 2.0 client, Authlib's (a well-kept library partners use), against the
running gateway's ``POST /partner/token``: it gets a token with the client credentials grant
(RFC 6749 section 4.4), authenticated by HTTP Basic or in the body (section 2.3.1), and reads
the gateway's refusals as RFC 6749 section 5.2 errors (``error``, ``error_description``)."""

import pytest
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from hub_contracts import PartnerType
from hub_runtime.auth import verify_token

from .conftest import Gateway

pytestmark = pytest.mark.integration


async def _credentials(gateway: Gateway) -> tuple[object, str, str]:
    partner_id = await gateway.register_partner(PartnerType.NGO)
    await gateway.wait_for_partner(partner_id)
    created = await gateway.http.post(
        f"/admin/partners/{partner_id}/credentials", headers=gateway.admin()
    )
    assert created.status_code == 201, created.text
    return partner_id, created.json()["client_id"], created.json()["client_secret"]


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
async def test_authlib_gets_a_token(gateway: Gateway, method: str) -> None:
    partner_id, client_id, secret = await _credentials(gateway)
    url = f"{gateway.url}/partner/token"
    async with AsyncOAuth2Client(client_id, secret, token_endpoint_auth_method=method) as oauth:
        token = await oauth.fetch_token(url, grant_type="client_credentials")
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] > 0
    secret_key = gateway.hub.jwt_secret.get_secret_value()
    assert verify_token(secret_key, token["access_token"]).partner_id == partner_id


async def test_authlib_reads_the_refusals_as_rfc_6749_errors(gateway: Gateway) -> None:
    """Before RFC 6749 section 5.2 was followed, another grant type was a 422
    ``invalid_request`` and no refusal had an ``error_description``."""
    _, client_id, secret = await _credentials(gateway)
    url = f"{gateway.url}/partner/token"
    async with AsyncOAuth2Client(
        client_id, "pcs_wrong", token_endpoint_auth_method="client_secret_basic"
    ) as oauth:
        with pytest.raises(OAuthError) as wrong_secret:
            await oauth.fetch_token(url, grant_type="client_credentials")
    assert wrong_secret.value.error == "invalid_client"
    assert wrong_secret.value.description
    async with AsyncOAuth2Client(client_id, secret) as oauth:
        with pytest.raises(OAuthError) as other_grant:
            await oauth.fetch_token(url, grant_type="password", username="u", password="p")
    assert other_grant.value.error == "unsupported_grant_type"
    assert other_grant.value.description == "grant_type: only client_credentials is supported here"
