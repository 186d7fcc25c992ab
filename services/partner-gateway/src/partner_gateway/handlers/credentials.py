"""Partner API credentials: create, rotate (with overlap), revoke, list, exchange, admission.

A partner exchanges ``client_id`` + ``client_secret`` for a short-lived bearer token (role
partner, sub = client id). Revocation takes effect at once: every partner request is admitted
only if the token's client is not revoked (tokens minted outside this flow carry no client id
and are only as trusted as the hub's JWT secret).
"""

from __future__ import annotations

import asyncio
import secrets as random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

from hub_runtime.auth import Role, mint_token
from hub_runtime.errors import (
    ConflictError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    UnauthenticatedError,
)

from partner_gateway.deps import Deps
from partner_gateway.domain.credentials import (
    CLIENT_ID_PREFIX,
    SECRET_PREFIX,
    hash_secret,
    matches,
)
from partner_gateway.domain.policy import is_origin_authority
from partner_gateway.gates import OriginAuthorityRefusedError
from partner_gateway.messages import (
    AdmitPartner,
    ClientSecretIssued,
    CreateClient,
    ExchangeToken,
    ListClients,
    RevokeClient,
    RotateClientSecret,
)
from partner_gateway.unit_of_work import GatewayUnitOfWork

_T = TypeVar("_T")

# scrypt needs 16 MiB per call. On the default pool every worker thread keeps its own malloc
# arena with that buffer (the process grew to ~190 MB); one dedicated thread keeps one.
_HASHING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scrypt")

_BAD_CREDENTIALS = "the client credentials are not valid"
_DUMMY_SALT = b"client-dummy-salt"
_DUMMY_HASH = hash_secret("pcs_not-a-secret", _DUMMY_SALT)


class GrantInvalidError(InvalidError):
    """The client authenticated and may have a token, but the request's other parameters are
    not valid (422); the edge answers with the reasons it found."""

    default_code = "invalid_request"

    def __init__(self) -> None:
        super().__init__("the token request is not valid")


async def _on_hashing_thread(function: Callable[..., _T], *args: Any) -> _T:
    return await asyncio.get_running_loop().run_in_executor(_HASHING, function, *args)


async def _new_secret(uow: GatewayUnitOfWork, client_id: str) -> str:
    """A new secret for the client, stored as its scrypt hash; the secret itself is returned
    (shown once, never stored)."""
    secret, salt = SECRET_PREFIX + random.token_urlsafe(32), random.token_bytes(16)
    hashed = await _on_hashing_thread(hash_secret, secret, salt)
    await uow.credentials.add_secret(uuid4(), client_id, salt, hashed)
    return secret


async def create_client(
    message: CreateClient, uow: GatewayUnitOfWork, deps: Deps
) -> ClientSecretIssued:
    """A new client with its first secret. Raises `ConflictError` for a partner the directory
    does not hold (``unknown_partner``), `OriginAuthorityRefusedError` (403) for an
    origin-country authority."""
    partner = await uow.partners.get(message.partner_id)
    if partner is None:
        raise ConflictError("the partner is not in the directory", code="unknown_partner")
    if is_origin_authority(partner):
        raise OriginAuthorityRefusedError()
    client_id = CLIENT_ID_PREFIX + random.token_hex(8)
    await uow.credentials.add_client(client_id, message.partner_id)
    secret = await _new_secret(uow, client_id)
    return ClientSecretIssued(client_id=client_id, client_secret=secret)


async def rotate_secret(
    message: RotateClientSecret, uow: GatewayUnitOfWork, deps: Deps
) -> ClientSecretIssued:
    """A new secret; the current ones stay valid until now + ``deps.credential_overlap`` (no
    downtime). Raises `NotFoundError` (unknown client), `OriginAuthorityRefusedError` (403
    ``partner_origin_authority``: the client's partner is, or once was, an origin-country
    authority; nothing is issued or stored, as at creation) and `ConflictError`
    (``client_revoked``)."""
    client = await uow.credentials.client(message.client_id)
    if client is None:
        raise NotFoundError("the client")
    if is_origin_authority(await uow.partners.get(client[0])):
        raise OriginAuthorityRefusedError()
    if client[1] is not None:
        raise ConflictError("the client is revoked", code="client_revoked")
    until = datetime.now(UTC) + deps.credential_overlap
    await uow.credentials.expire_current(message.client_id, until)
    secret = await _new_secret(uow, message.client_id)
    return ClientSecretIssued(message.client_id, secret, previous_secret_valid_until=until)


async def revoke_client(message: RevokeClient, uow: GatewayUnitOfWork, deps: Deps) -> None:
    """Revoke the client and end its secrets now. Raises `NotFoundError` (unknown client)."""
    if not await uow.credentials.revoke_client(message.client_id):
        raise NotFoundError("the client")


async def list_clients(
    message: ListClients, uow: GatewayUnitOfWork, deps: Deps
) -> list[dict[str, Any]]:
    """The partner's clients (see `CredentialStore.clients_of`). Raises `NotFoundError` for a
    partner the directory does not hold."""
    if await uow.partners.get(message.partner_id) is None:
        raise NotFoundError("the partner")
    return await uow.credentials.clients_of(message.partner_id)


async def exchange_token(message: ExchangeToken, uow: GatewayUnitOfWork, deps: Deps) -> str:
    """A partner token (HS256, ``deps.token_ttl_seconds``) for valid client credentials
    (OAuth 2.0 client credentials grant, RFC 6749 section 4.4).

    Raises, in this order (``partner_gateway.api.token_request`` explains it):
    `UnauthenticatedError` (``invalid_client``, the same answer for an unknown client, a
    wrong or expired secret, a revoked client), `ForbiddenError`: ``partner_origin_authority``
    for an origin-country authority (`OriginAuthorityRefusedError`), ``partner_refused`` for a
    partner no longer active, then `GrantInvalidError` when ``message.grant_valid`` is False.
    No token is minted unless every check passed."""
    client = await uow.credentials.client(message.client_id)
    candidates = await uow.credentials.valid_secrets(message.client_id)
    partner = None if client is None else await uow.partners.get(client[0])
    if client is None or not candidates or partner is None:
        # The same scrypt work as for a known client, so that the time of the answer does not
        # tell whether the client id exists (the answer itself does not).
        await _on_hashing_thread(matches, message.client_secret, _DUMMY_SALT, _DUMMY_HASH)
        raise UnauthenticatedError(_BAD_CREDENTIALS, code="invalid_client")
    for candidate in candidates:
        if await _on_hashing_thread(matches, message.client_secret, candidate.salt, candidate.hash):
            break
    else:
        raise UnauthenticatedError(_BAD_CREDENTIALS, code="invalid_client")
    if is_origin_authority(partner):
        raise OriginAuthorityRefusedError()
    if not partner.active:
        raise ForbiddenError("the partner is not active", code="partner_refused")
    if not message.grant_valid:
        raise GrantInvalidError()
    return mint_token(
        deps.jwt_secret,
        sub=message.client_id,
        role=Role.PARTNER,
        partner_id=client[0],
        ttl_seconds=deps.token_ttl_seconds,
    )


async def admit_partner(message: AdmitPartner, uow: GatewayUnitOfWork, deps: Deps) -> UUID:
    """The partner id of a partner token's request that may go on, checked on every request
    so that revocation and a directory change to authority_origin act before the token ends.

    Raises `UnauthenticatedError` when the directory does not hold the token's partner
    (``partner_unknown``: its subject is no identity here, RFC 6750 section 3.1
    ``invalid_token``) or its client is revoked (``client_revoked``), and `ForbiddenError` for
    an origin-country authority (``partner_origin_authority``)."""
    partner_id = message.principal.partner_id
    if partner_id is None:  # verify_token guarantees one for partners
        raise UnauthenticatedError("a partner token must carry a partner_id")
    # One read of both facts: this runs on every partner request (`MessageBus.read`).
    admission = await uow.credentials.admission(partner_id, message.principal.sub)
    partner = admission.partner
    if partner is None:
        raise UnauthenticatedError(
            "the partner of this token is not in the directory", code="partner_unknown"
        )
    if is_origin_authority(partner):
        raise OriginAuthorityRefusedError()
    if admission.client_revoked:
        raise UnauthenticatedError("the client of this token was revoked", code="client_revoked")
    return partner_id
