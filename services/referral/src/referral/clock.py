"""The service's notion of now and today (one place, so tests can pin the time)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Clock:
    """UTC instants for records; the council's local date for validity periods."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Amsterdam"))

    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        return datetime.now(UTC)

    def today(self) -> date:
        """The council's calendar day now (in ``zone``), by which consents and agreements are
        valid."""
        return self.now().astimezone(self.zone).date()
