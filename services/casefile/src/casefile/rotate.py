"""``python -m casefile.rotate``: re-wrap every person's key under the current master key.

The operator's step of a master-key rotation without downtime (README, Deployment):

1. every instance gets ``CASEFILE_NEXT_MASTER_KEY`` = the new secret (unwrap only) and is
   restarted one by one: all can now read keys wrapped under version n + 1;
2. every instance gets ``CASEFILE_MASTER_KEY`` = the new secret, ``CASEFILE_MASTER_KEY_VERSION``
   = n + 1, ``CASEFILE_PREVIOUS_MASTER_KEY`` = the old secret (and no NEXT), restarted one by
   one: new persons get version n + 1, old keys still unwrap;
3. this command, with the step-2 settings, re-wraps the keys still under version n, one
   transaction per batch (safe beside the running services and a second run of itself);
4. once it reports none left, ``CASEFILE_PREVIOUS_MASTER_KEY`` is removed (restart one by
   one). The persons' keys themselves never change, so every ciphertext stays as stored and
   erasure (destroying a person's key) works as before.

Exit status: 0 when every key is under the current version; 78 on invalid or insecure
settings; 1 when a key is under a version the settings do not hold (nothing is lost: give the
previous master key and run again).
"""

from collections.abc import Callable

from hub_runtime.rotation import KeyRotation, rotation_main

from casefile import messages as m
from casefile.bootstrap import deps
from casefile.config import Settings
from casefile.deps import Deps
from casefile.routes import ROUTES
from casefile.unit_of_work import CasefileUnitOfWork, CasefileUow


async def _versions(uow: CasefileUow) -> dict[int, int]:
    return await uow.persons.count_keys_by_version()


ROTATION: KeyRotation[CasefileUow, Deps] = KeyRotation(
    ROUTES, CasefileUnitOfWork, m.RewrapKeys, _versions
)
"""Casefile's side of `hub_runtime.rotation`: `m.RewrapKeys` batches (`PersonVault.rewrap_keys`)."""


async def rotate(
    settings: Settings, batch: int = 200, on_batch: Callable[[int], None] | None = None
) -> dict[int, int]:
    """Re-wrap every key not under ``settings.master_key_version``; returns the live keys by
    KEK version afterwards (``{version: count}``); ``on_batch`` is told how many keys each
    batch re-wrapped (a progress bar: `hub keys rotate`). Raises ``UnknownKekVersionError`` when a
    key's version is neither the current nor the previous one."""
    return await ROTATION.run(settings, deps(settings), batch, on_batch)


def main() -> None:
    """Run the rotation and print the keys by version."""
    rotation_main(Settings, rotate, "person keys")


if __name__ == "__main__":
    main()
