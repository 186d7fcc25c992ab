"""Step 3 of a master-key rotation, written once: re-wrap in batches, report, exit status.

Casefile (``python -m casefile.rotate``: persons' keys), referral (case keys) and the partner
gateway (portal staff's TOTP secrets) each re-wrap what they keep under the current version of
their master key (`hub_runtime.master_key`: the four steps). What differs is theirs, in a
:class:`KeyRotation`: the one-batch command (its handler and SQL stay in the service) and the
count of keys by version; the loop, the pool and the command's output and exit status are here.

Exit status of the command: 0 when every key is under the current version; 78 on invalid or
insecure settings (`hub_runtime.entry`); 1 when a key is under a version the settings do not
hold (nothing is lost: give the previous master key and run again).
"""

import asyncio
import sys
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import asyncpg

from hub_runtime.bus import Message, MessageBus, Routes, Transaction
from hub_runtime.crypto import UnknownKekVersionError
from hub_runtime.db import create_pool
from hub_runtime.entry import ServiceSettings, load_settings, refuse_insecure

U = TypeVar("U", bound=Transaction)
D = TypeVar("D")


class RotationSettings(ServiceSettings, Protocol):
    """What a rotation reads of a service's settings (`hub_runtime.master_key.MasterKeySettings`
    and the service's own database)."""

    @property
    def database(self) -> str:
        """The service's PostgreSQL database."""

    @property
    def master_key_version(self) -> int:
        """The version every key is re-wrapped under."""

    @property
    def previous_master_key_variable(self) -> str:
        """The variable to set when a key is under a version not held."""


S = TypeVar("S", bound=RotationSettings)


@dataclass(frozen=True)
class KeyRotation(Generic[U, D]):
    """One service's side of a rotation: ``routes`` hold the handler of ``batch(limit)``, a
    command that re-wraps up to ``limit`` keys in one transaction (locking them, so a second
    rotation or the running service never waits on a whole table) and answers how many (0:
    none left); ``unit_of_work(pool)`` is the service's transaction; ``versions(uow)`` counts the
    live keys by KEK version (``{version: count}``)."""

    routes: Routes[U, D]
    unit_of_work: Callable[[asyncpg.Pool], U]
    batch: Callable[[int], Message[int]]
    versions: Callable[[U], Awaitable[dict[int, int]]]

    async def run(
        self,
        settings: RotationSettings,
        deps: D,
        batch: int = 200,
        on_batch: Callable[[int], None] | None = None,
    ) -> dict[int, int]:
        """Re-wrap every key not under ``settings.master_key_version``, ``batch`` keys per
        transaction, on a pool of two connections to the service's database; ``on_batch`` is
        told how many keys each batch re-wrapped (`hub keys rotate`'s progress bar). Returns the
        live keys by KEK version afterwards. Raises ``UnknownKekVersionError`` when a key's
        version is neither held nor current (nothing of that batch is kept)."""
        pool = await create_pool(settings.hub.pg_dsn, settings.database, max_size=2)
        try:
            bus = MessageBus(self.routes, lambda: self.unit_of_work(pool), deps)
            while done := await bus.dispatch(self.batch(batch)):
                if on_batch is not None:
                    on_batch(done)
            async with self.unit_of_work(pool) as uow:
                return await self.versions(uow)
        finally:
            await pool.close()


def rotation_main(
    settings_cls: Callable[[], S],
    rotate: Callable[[S], Coroutine[Any, Any, dict[int, int]]],
    keys: str,
) -> None:
    """The ``main`` of ``python -m <service>.rotate``: the settings from the environment
    (exit 78 when invalid, or insecure outside development mode), then :func:`finish_rotation`
    of ``rotate(settings)``, reporting the ``keys`` (``"person keys"``) by version."""
    settings = load_settings(settings_cls)
    refuse_insecure(settings)
    finish_rotation(
        rotate(settings), settings.master_key_version, keys, settings.previous_master_key_variable
    )


def finish_rotation(
    rotation: Coroutine[Any, Any, dict[int, int]], current: int, keys: str, previous_var: str
) -> None:
    """The operator's end of a master-key rotation command: run ``rotation`` (live keys by KEK
    version afterwards), print them as ``<keys> by master-key version: v1: n, ...``, and exit 1
    when a key is under another version than ``current`` or under one the settings do not hold
    (``previous_var`` names the setting to give); return normally when every key is under
    ``current``."""
    try:
        counts = asyncio.run(rotation)
    except UnknownKekVersionError as exc:
        sys.stderr.write(f"rotation stopped: {exc} (set {previous_var})\n")
        raise SystemExit(1) from exc
    listed = ", ".join(f"v{v}: {n}" for v, n in sorted(counts.items())) or "none"
    print(f"{keys} by master-key version: {listed}")
    if set(counts) - {current}:
        raise SystemExit(1)
