"""What casefile's handlers need besides a unit of work (`hub_runtime.bus` ``deps``)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from casefile.domain import deadlines as dl
from casefile.vault import PersonVault

Clock = Callable[[], datetime]
"""Returns "now" as an aware datetime (tests pass a clock they move by hand)."""


def system_clock() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Deps:
    """The vault that seals and opens personal data, and the clock."""

    vault: PersonVault
    clock: Clock

    def today(self) -> date:
        """Today in Europe/Amsterdam (every "today" of the rules is the Dutch day)."""
        return dl.today_in_amsterdam(self.clock())
