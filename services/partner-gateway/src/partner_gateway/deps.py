"""What the gateway's handlers need besides their unit of work (built once, in `bootstrap`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from hub_runtime.crypto import Keyring

from partner_gateway.casefile_client import Casefile
from partner_gateway.clock import Clock
from partner_gateway.config import Settings

FACTOR_KEY_CONTEXT = "partner-gateway/portal-totp"
"""The HKDF context of the keys that seal TOTP secrets (no other service derives it)."""


def factor_keyring(settings: Settings) -> Keyring:
    """The keys of the TOTP secrets by version: PARTNER_GATEWAY_MASTER_KEY, and during a
    rotation the previous or the next one (the same four steps as casefile's master key)."""
    return settings.keyring(FACTOR_KEY_CONTEXT)


@dataclass(frozen=True)
class Deps:
    """``casefile``: its disclosure endpoint; ``clock``: the council's now and today;
    ``credential_overlap``: how long a replaced secret (webhook signing, API client) stays
    valid; ``notice_ack_due``: when an unacknowledged notice is overdue; ``jwt_secret`` and
    ``token_ttl_seconds``: partner tokens minted at the token exchange; ``development``:
    webhook URLs are not checked against internal addresses (``HUB_ENV``); ``factor_keys``:
    the keys that seal the portal staff's TOTP secrets (`domain.totp`)."""

    casefile: Casefile
    clock: Clock
    credential_overlap: timedelta
    notice_ack_due: timedelta
    jwt_secret: str
    token_ttl_seconds: int
    development: bool
    factor_keys: Keyring

    @classmethod
    def from_settings(cls, settings: Settings, casefile: Casefile, clock: Clock) -> Deps:
        """The handlers' dependencies as ``settings`` configure them."""
        return cls(
            casefile=casefile,
            clock=clock,
            credential_overlap=timedelta(seconds=settings.credential_overlap_seconds),
            notice_ack_due=timedelta(seconds=settings.notice_ack_due_seconds),
            jwt_secret=settings.hub.jwt_secret.get_secret_value(),
            token_ttl_seconds=settings.partner_token_ttl_seconds,
            development=settings.hub.development,
            factor_keys=factor_keyring(settings),
        )
