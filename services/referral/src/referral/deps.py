"""What every referral handler may use besides its message and unit of work."""

from __future__ import annotations

from dataclasses import dataclass

from referral.clock import Clock
from referral.vault import CaseVault


@dataclass(frozen=True)
class Deps:
    """``clock``: now (UTC) and today (the council's date, `REFERRAL_TIMEZONE`); ``vault``:
    seals free text under the case's key."""

    clock: Clock
    vault: CaseVault
