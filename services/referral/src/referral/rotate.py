"""``python -m referral.rotate``: re-wrap every case key under the current master key.

The operator's step of a ``REFERRAL_MASTER_KEY`` rotation without downtime, the same four
steps as casefile's (README, Deployment; `casefile.rotate`): NEXT on every instance, then the
new key with its version raised and PREVIOUS, then this command, then PREVIOUS removed.
Shredded keys (erased persons) stay shredded: a re-wrap only updates live keys.

Exit status: 0 when every live key is under the current version; 78 on invalid or insecure
settings; 1 when a key is under a version the settings do not hold.
"""

from collections.abc import Callable

from hub_runtime.rotation import KeyRotation, rotation_main

from referral.clock import Clock
from referral.config import Settings
from referral.deps import Deps
from referral.messages import RewrapKeys
from referral.routes import ROUTES
from referral.unit_of_work import PostgresUnitOfWork, ReferralUnitOfWork
from referral.vault import KEK_CONTEXT, CaseVault


async def _versions(uow: ReferralUnitOfWork) -> dict[int, int]:
    return await uow.case_keys.count_by_version()


ROTATION: KeyRotation[ReferralUnitOfWork, Deps] = KeyRotation(
    ROUTES, PostgresUnitOfWork, RewrapKeys, _versions
)
"""Referral's side of `hub_runtime.rotation`: `RewrapKeys` batches (`CaseVault.rewrap_keys`)."""


async def rotate(
    settings: Settings, batch: int = 200, on_batch: Callable[[int], None] | None = None
) -> dict[int, int]:
    """Re-wrap every live key not under ``settings.master_key_version``; returns the live keys
    by version afterwards; ``on_batch`` is told how many keys each batch re-wrapped (`hub keys
    rotate`'s progress bar). Raises ``UnknownKekVersionError`` (nothing of that batch is kept)."""
    deps = Deps(clock=Clock(), vault=CaseVault(settings.keyring(KEK_CONTEXT)))
    return await ROTATION.run(settings, deps, batch, on_batch)


def main() -> None:
    """Run the rotation and print the live keys by version."""
    rotation_main(Settings, rotate, "case keys")


if __name__ == "__main__":
    main()
