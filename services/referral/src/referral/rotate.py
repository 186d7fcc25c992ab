"""``python -m referral.rotate``: re-wrap every case key under the current master key.

The operator's step of a ``REFERRAL_MASTER_KEY`` rotation without downtime, the same four
steps as casefile's (README, Deployment; `casefile.rotate`): NEXT on every instance, then the
new key with its version raised and PREVIOUS, then this command, then PREVIOUS removed.
Shredded keys (erased persons) stay shredded: a re-wrap only updates live keys.

Exit status: 0 when every live key is under the current version; 78 on invalid or insecure
settings; 1 when a key is under a version the settings do not hold.
"""

from collections.abc import Callable

from hub_runtime.bus import MessageBus
from hub_runtime.crypto import finish_rotation
from hub_runtime.db import create_pool
from hub_runtime.entry import load_settings, refuse_insecure

from referral.bootstrap import keyring
from referral.clock import Clock
from referral.config import Settings
from referral.deps import Deps
from referral.messages import RewrapKeys
from referral.routes import ROUTES
from referral.unit_of_work import unit_of_work_factory
from referral.vault import CaseVault


async def rotate(
    settings: Settings, batch: int = 200, on_batch: Callable[[int], None] | None = None
) -> dict[int, int]:
    """Re-wrap every live key not under ``settings.master_key_version``; returns the live keys
    by version afterwards; ``on_batch`` is told how many keys each batch re-wrapped (`hub keys
    rotate`'s progress bar). Raises ``UnknownKekVersionError`` (nothing of that batch is kept)."""
    pool = await create_pool(settings.hub.pg_dsn, settings.database, max_size=2)
    try:
        factory = unit_of_work_factory(pool)
        bus = MessageBus(ROUTES, factory, Deps(clock=Clock(), vault=CaseVault(keyring(settings))))
        while done := await bus.dispatch(RewrapKeys(limit=batch)):
            if on_batch is not None:
                on_batch(done)
        async with factory() as uow:
            return await uow.case_keys.count_by_version()
    finally:
        await pool.close()


def main() -> None:
    """Run the rotation and print the live keys by version."""
    settings = load_settings(Settings)
    refuse_insecure(settings)
    finish_rotation(
        rotate(settings), settings.master_key_version, "case keys", "REFERRAL_PREVIOUS_MASTER_KEY"
    )


if __name__ == "__main__":
    main()
