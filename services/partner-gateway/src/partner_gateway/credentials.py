"""Use cases of partner API credentials: create, rotate (with overlap), revoke, exchange.

A partner exchanges ``client_id`` + ``client_secret`` for a short-lived bearer token (role
partner, sub = client id). Revocation takes effect at once: every partner request checks that
the token's client is not revoked (tokens minted outside this flow carry no client id and are
only as trusted as the hub's JWT secret).
"""

from __future__ import annotations

import asyncio
import secrets as random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid4

import asyncpg
from hub_runtime.auth import Principal, Role, mint_token
from hub_runtime.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    NotFoundError,
    UnauthenticatedError,
)

from partner_gateway.domain.credentials import (
    CLIENT_ID_PREFIX,
    SECRET_PREFIX,
    hash_secret,
    matches,
)
from partner_gateway.domain.policy import is_origin_authority
from partner_gateway.gates import ORIGIN_REFUSAL
from partner_gateway.handlers import UowFactory
from partner_gateway.repository import PartnerRepository, Repositories
from partner_gateway.unit_of_work import repos

_T = TypeVar("_T")


# scrypt needs 16 MiB per call. On the default pool every worker thread keeps its own malloc
# arena with that buffer (the process grew to ~190 MB); one dedicated thread keeps one.
_HASHING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scrypt")


async def _on_hashing_thread(function: Callable[..., _T], *args: Any) -> _T:
    return await asyncio.get_running_loop().run_in_executor(_HASHING, function, *args)


def _new_secret() -> tuple[str, bytes]:
    return SECRET_PREFIX + random.token_urlsafe(32), random.token_bytes(16)


async def _store_secret(r: Repositories, client_id: str, secret: str, salt: bytes) -> None:
    hashed = await _on_hashing_thread(hash_secret, secret, salt)
    await r.credentials.add_secret(uuid4(), client_id, salt, hashed)


async def create_client(uow_factory: UowFactory, partner_id: UUID) -> tuple[str, str]:
    async with uow_factory() as uow:
        r = repos(uow)
        partner = await r.partners.get(partner_id)
        if partner is None:
            raise ConflictError("the partner is not in the directory", code="unknown_partner")
        if is_origin_authority(partner):
            raise ConflictError(ORIGIN_REFUSAL, code="partner_origin_authority")
        client_id = CLIENT_ID_PREFIX + random.token_hex(8)
        secret, salt = _new_secret()
        await r.credentials.add_client(client_id, partner_id)
        await _store_secret(r, client_id, secret, salt)
        await uow.commit()
    return client_id, secret


async def rotate(
    uow_factory: UowFactory, client_id: str, overlap: timedelta
) -> tuple[str, datetime]:
    """A new secret; the current ones stay valid until now + overlap (no downtime)."""
    async with uow_factory() as uow:
        r = repos(uow)
        client = await r.credentials.client(client_id)
        if client is None:
            raise NotFoundError("the client")
        if client[1] is not None:
            raise ConflictError("the client is revoked", code="client_revoked")
        until = datetime.now(UTC) + overlap
        await r.credentials.expire_current(client_id, until)
        secret, salt = _new_secret()
        await _store_secret(r, client_id, secret, salt)
        await uow.commit()
    return secret, until


async def revoke(uow_factory: UowFactory, client_id: str) -> None:
    async with uow_factory() as uow:
        if not await repos(uow).credentials.revoke_client(client_id):
            raise NotFoundError("the client")
        await uow.commit()


_BAD_CREDENTIALS = "the client credentials are not valid"


async def exchange(
    uow_factory: UowFactory, client_id: str, secret: str, jwt_secret: str, ttl_seconds: int
) -> str:
    async with uow_factory() as uow:
        r = repos(uow)
        client = await r.credentials.client(client_id)
        candidates = await r.credentials.valid_secrets(client_id)
        partner = None if client is None else await r.partners.get(client[0])
    if client is None or not candidates or partner is None:
        raise UnauthenticatedError(_BAD_CREDENTIALS, code="invalid_client")
    for candidate in candidates:
        if await _on_hashing_thread(matches, secret, candidate.salt, candidate.hash):
            break
    else:
        raise UnauthenticatedError(_BAD_CREDENTIALS, code="invalid_client")
    if is_origin_authority(partner) or not partner.active:
        raise ForbiddenError(
            ORIGIN_REFUSAL if partner.active else "the partner is not active",
            code="partner_refused",
        )
    return mint_token(
        jwt_secret, sub=client_id, role=Role.PARTNER, partner_id=client[0], ttl_seconds=ttl_seconds
    )


async def admission(pool: asyncpg.Pool, principal: Principal) -> DomainError | None:
    """The refusal (a DomainError with status and code) of this partner request at the door,
    or None when it may go on.

    Checked on every request, so revocation and a directory change to authority_origin take
    effect before the token expires.
    """
    assert principal.partner_id is not None
    async with pool.acquire() as conn:
        partner, revoked = await PartnerRepository(conn).admission(
            principal.partner_id, principal.sub
        )
    if partner is None:
        # A validly signed token whose partner the directory does not hold (never registered,
        # or a token minted for a made-up id): its subject is no identity here, so the token
        # is invalid (RFC 6750 section 3.1, invalid_token: 401), like a revoked client's.
        return UnauthenticatedError(
            "the partner of this token is not in the directory", code="partner_unknown"
        )
    if is_origin_authority(partner):
        return ForbiddenError(ORIGIN_REFUSAL, code="partner_origin_authority")
    if revoked:
        return UnauthenticatedError("the client of this token was revoked", code="client_revoked")
    return None
