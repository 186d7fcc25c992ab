"""The gateway's notion of now and today (one place, so every gate counts the same day)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Clock:
    """UTC instants for records; the council's local date (Europe/Amsterdam by default) for
    validity periods: consents and agreements are valid per calendar day where the council
    works, and around midnight that day differs from UTC's."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Amsterdam"))

    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        return datetime.now(UTC)

    def today(self) -> date:
        """The council's calendar day now (in ``zone``), by which consents and agreements are
        valid."""
        return self.now().astimezone(self.zone).date()
