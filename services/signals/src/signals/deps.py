"""What every handler of signals may use besides its unit of work: settings and a clock."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from signals.config import Settings


def utc_now() -> datetime:
    """The current time, aware, in UTC (the default clock)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Deps:
    """``settings``: the service's (key, cap, thresholds, switches); ``clock``: the current time,
    aware, UTC (tests move it to open or close a period)."""

    settings: Settings
    clock: Callable[[], datetime] = field(default=utc_now)

    @property
    def key(self) -> bytes:
        """The master key the per-period pseudonymisation keys are derived from."""
        return self.settings.hash_key.get_secret_value().encode()
