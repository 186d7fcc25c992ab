"""Idempotency keys for POSTs (the IETF httpapi `Idempotency-Key` header): a client that lost
the answer may send the request again with the same key, and the work is done once.

The key is claimed in its own committed transaction before the work starts, so a concurrent
request with the same key sees it (409) instead of blocking; the answer is stored in the same
transaction as the work. Only successful answers are stored: after a refusal or a crash the key
is released, so the client can retry once the cause is gone. Keys are scoped (a partner, a
member of staff): one client's key never collides with another's.
"""

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Header, Request

from hub_runtime.db import Connection
from hub_runtime.errors import BadRequestError, ConflictError, InvalidError
from hub_runtime.openapi_errors import raises
from hub_runtime.unit_of_work import UnitOfWork

KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"

Answer = tuple[int, Any]
"""(HTTP status, JSON body) of a successful request: what a replay answers."""

W = TypeVar("W", bound=UnitOfWork)
"""A service's own unit of work type (a subclass exposing its repositories)."""

Action = Callable[[W], Awaitable[Answer]]
"""The work of the request, inside the transaction that also stores its answer."""


def fingerprint(route: str, body: Any) -> str:
    """Hash of the request as parsed (key order and whitespace do not change it)."""
    canonical = json.dumps({"route": route, "body": body}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class Claim(StrEnum):
    """What :func:`classify` makes of an Idempotency-Key already stored (or not) for a scope.

    ``new``: the work may run; ``replay``: answer the stored response again; ``mismatch``: the key
    was used for another request (422 ``idempotency_key_reused``); ``in_progress``: the first
    request with the key is still running (409)."""

    NEW = "new"  # go ahead, the key is ours now
    REPLAY = "replay"  # done before with the same request: answer the stored response
    MISMATCH = "mismatch"  # the key was used with another request: 422
    IN_PROGRESS = "in_progress"  # the first request with this key has not finished: 409


@dataclass(frozen=True)
class StoredKey:
    """A claimed key as stored: the SHA-256 hex digest of its request (:func:`fingerprint`) and
    whether the answer of that request was stored (``finished``)."""

    request_hash: str
    finished: bool


def classify(existing: StoredKey | None, request_hash: str) -> Claim:
    """The claim a request hashed to ``request_hash`` makes on a key stored as ``existing``.

    ``None`` (not stored) -> ``NEW``; another hash -> ``MISMATCH``; same hash and finished ->
    ``REPLAY``; same hash, not finished -> ``IN_PROGRESS``. Pure; raises nothing."""
    if existing is None:
        return Claim.NEW
    if existing.request_hash != request_hash:
        return Claim.MISMATCH
    return Claim.REPLAY if existing.finished else Claim.IN_PROGRESS


def checked_key(key: str, request: Request | None = None) -> str:
    """The key, or a 400 that says what a key must look like; with the ``request``, also a 400
    ``idempotency_key_repeated`` when it sent the header more than once (which one would count
    is a guess the server must not make)."""
    if request is not None and len(request.headers.getlist(HEADER)) > 1:
        raise BadRequestError(f"send the {HEADER} header once", code="idempotency_key_repeated")
    if not KEY_PATTERN.match(key):
        raise BadRequestError(
            f"the {HEADER} must be 8-128 characters of A-Z a-z 0-9 . _ : -",
            code="idempotency_key_invalid",
        )
    return key


KEY_ERRORS = (400, 409, 422)
"""What a request with a key can answer besides its own statuses: a malformed key (400), the
first request with the key still running (409), the key used for another request (422)."""


@raises(*KEY_ERRORS)
async def optional_key(
    request: Request,
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="Send the request again with the same key after a lost answer: the work"
            " is done once and the first answer is repeated (8-128 characters of A-Z a-z 0-9"
            " . _ : -; a key is yours alone).",
        ),
    ] = None,
) -> str | None:
    """FastAPI dependency: the request's key, if it sent one (a coroutine: FastAPI would run a
    plain function in a worker thread)."""
    return None if key is None else checked_key(key, request)


async def idempotently(
    uow_factory: Callable[[], W], scope: str, key: str, request_hash: str, action: Action[W]
) -> tuple[int, Any, bool]:
    """Run ``action`` once per (scope, key): (status, body, replayed)."""
    key = stored_key(key)
    async with uow_factory() as uow:
        existing = await _claim(uow.conn, scope, key, request_hash)
        await uow.commit()
    claim = classify(existing, request_hash)
    if claim is Claim.MISMATCH:
        raise InvalidError(
            f"this {HEADER} was used with a different request", code="idempotency_key_reused"
        )
    if claim is Claim.IN_PROGRESS:
        raise ConflictError(
            f"a request with this {HEADER} is still in progress", code="idempotency_in_progress"
        )
    if claim is Claim.REPLAY:
        async with uow_factory() as uow:
            status, body = await _answer(uow.conn, scope, key)
        return status, body, True
    try:
        async with uow_factory() as uow:
            status, body = await action(uow)
            await _finish(uow.conn, scope, key, status, body)
            await uow.commit()
        return status, body, False
    except BaseException:
        async with uow_factory() as uow:
            await _release(uow.conn, scope, key)
            await uow.commit()
        raise


BUS_ANSWER_STATUS = 200
"""What a key answered through the bus is stored with: the column marks a finished request; the
edge answers its route's own status on a replay (rows written before the bus keep theirs)."""


class PostgresKeys(Generic[W]):
    """The bus's key store (`hub_runtime.bus.KeyStore`) on ``hub_idempotency_keys``, for a
    service whose units of work ``uow_factory`` makes."""

    def __init__(self, uow_factory: Callable[[], W]) -> None:
        self._uow_factory = uow_factory

    async def run_once(
        self,
        scope: str,
        key: str,
        request_hash: str,
        action: Callable[[W], Awaitable[Any]],
    ) -> tuple[Any, bool]:
        """Run ``action`` once per (scope, key): (JSON answer, replayed). Errors: see
        `idempotently`."""

        async def answered(uow: W) -> Answer:
            return BUS_ANSWER_STATUS, await action(uow)

        _, body, replayed = await idempotently(
            self._uow_factory, scope, key, request_hash, answered
        )
        return body, replayed


def stored_key(key: str) -> str:
    """What is stored for a client's key: its SHA-256 hex digest (64 characters). A key is only
    compared for equality, and a client may type anything into it, a name too; the digest keeps
    it out of the database (migration ``hub_runtime/0004`` hashed the keys stored before)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


async def _claim(conn: Connection, scope: str, key: str, request_hash: str) -> StoredKey | None:
    """Claim the key (returns None) or return what is stored under it already."""
    # A claim whose request died with its process or database connection (never finished,
    # older than a minute) is taken over by a retry of the same request; otherwise that key
    # would answer 409 "in progress" for ever and the client could never retry.
    inserted = await conn.fetchval(
        "INSERT INTO hub_idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)"
        " ON CONFLICT (scope, key) DO UPDATE SET created_at = now()"
        " WHERE hub_idempotency_keys.response_status IS NULL"
        " AND hub_idempotency_keys.created_at < now() - interval '60 seconds'"
        " AND hub_idempotency_keys.request_hash = EXCLUDED.request_hash"
        " RETURNING true",
        scope,
        key,
        request_hash,
    )
    if inserted:
        return None
    row = await conn.fetchrow(
        "SELECT request_hash, response_status FROM hub_idempotency_keys"
        " WHERE scope = $1 AND key = $2",
        scope,
        key,
    )
    if row is None:  # released between our insert and select: treat as in progress
        return StoredKey(request_hash=request_hash, finished=False)
    return StoredKey(row["request_hash"], finished=row["response_status"] is not None)


async def _answer(conn: Connection, scope: str, key: str) -> Answer:
    row = await conn.fetchrow(
        "SELECT response_status, response_body FROM hub_idempotency_keys"
        " WHERE scope = $1 AND key = $2",
        scope,
        key,
    )
    assert row is not None  # finished keys are never deleted
    return int(row["response_status"]), json.loads(row["response_body"])


async def _finish(conn: Connection, scope: str, key: str, status: int, body: Any) -> None:
    await conn.execute(
        "UPDATE hub_idempotency_keys SET response_status = $3, response_body = $4::jsonb"
        " WHERE scope = $1 AND key = $2",
        scope,
        key,
        status,
        json.dumps(body),
    )


async def _release(conn: Connection, scope: str, key: str) -> None:
    await conn.execute(
        "DELETE FROM hub_idempotency_keys WHERE scope = $1 AND key = $2"
        " AND response_status IS NULL",
        scope,
        key,
    )
