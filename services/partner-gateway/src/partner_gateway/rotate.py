"""``python -m partner_gateway.rotate``: re-seal every portal TOTP secret under the current key.

The operator's step of a ``PARTNER_GATEWAY_MASTER_KEY`` rotation without downtime, the same four
steps as casefile's and referral's (docs/deployment.md): PARTNER_GATEWAY_NEXT_MASTER_KEY on every
instance, then the new key with PARTNER_GATEWAY_MASTER_KEY_VERSION raised by one and
PARTNER_GATEWAY_PREVIOUS_MASTER_KEY, then this command, then the previous key removed. Staff keep
their authenticator apps: the secret is the same, only its sealing changes.

Exit status: 0 when every sealed secret is under the current version; 78 on invalid or insecure
settings; 1 when a secret is under a version the settings do not hold.
"""

from collections.abc import Callable
from typing import Any

from hub_runtime.rotation import KeyRotation, rotation_main

from partner_gateway.clock import Clock
from partner_gateway.config import Settings
from partner_gateway.deps import Deps
from partner_gateway.domain.model import Referral
from partner_gateway.routes import ROUTES
from partner_gateway.staff_messages import ResealFactors
from partner_gateway.unit_of_work import GatewayUnitOfWork, PostgresUnitOfWork


class _NoCasefile:
    """The rotation never discloses (`casefile_client.Casefile` for the handlers' deps)."""

    async def disclose(self, referral: Referral) -> dict[str, Any]:
        """Never called by the rotation; refuses if it were."""
        raise RuntimeError("the key rotation does not disclose")


async def _versions(uow: GatewayUnitOfWork) -> dict[int, int]:
    return await uow.staff.factor_versions()


ROTATION: KeyRotation[GatewayUnitOfWork, Deps] = KeyRotation(
    ROUTES, PostgresUnitOfWork, ResealFactors, _versions
)
"""The gateway's side of `hub_runtime.rotation`: `ResealFactors` batches (the TOTP secrets)."""


async def rotate(
    settings: Settings, batch: int = 200, on_batch: Callable[[int], None] | None = None
) -> dict[int, int]:
    """Re-seal every account's TOTP secrets not under ``settings.master_key_version``; returns
    the accounts with sealed secrets by version afterwards; ``on_batch`` is told how many each
    batch re-sealed. Raises ``UnknownKekVersionError`` (nothing of that batch is kept)."""
    deps = Deps.from_settings(settings, _NoCasefile(), Clock())
    return await ROTATION.run(settings, deps, batch, on_batch)


def main() -> None:
    """Run the rotation and print the sealed secrets by version."""
    rotation_main(Settings, rotate, "TOTP secrets")


if __name__ == "__main__":
    main()
