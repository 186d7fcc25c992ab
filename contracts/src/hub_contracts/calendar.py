"""Strict date and time types for input: one spelling per value, as the JSON Schema says.

pydantic's lax mode reads ``"2020-01-01T00:00:00"`` and the number ``18000`` as dates and
``1700000000`` as a timestamp. A counsellor's tool that sends a timestamp where a day is meant
(or seconds where milliseconds were meant) would then record a day nobody chose, silently. The
types here accept only what their JSON Schema (``format: date`` / ``format: date-time``, RFC
3339 §5.6) describes, and refuse the rest with a reason:

- ``CalendarDate``: ``YYYY-MM-DD`` (RFC 3339 ``full-date``), or a ``date`` object from Python
  code; never a datetime, a number or a string with a time part.
- ``Instant``: an RFC 3339 ``date-time`` string with an offset (``Z`` or ``±hh:mm``), or an
  aware ``datetime`` from Python code; never a number or a naive time (whose zone is unknown).

Errors are pydantic validation errors (422 at the HTTP edge, a dead letter on Kafka); the
messages never repeat the submitted value.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}"  # full-date T partial-time
    r"(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"  # time-secfrac, time-offset
)


def _calendar_date_only(value: object) -> object:
    """Let through a ``date`` (not a datetime) or a ``YYYY-MM-DD`` string; refuse the rest."""
    if isinstance(value, datetime):
        raise ValueError("a calendar date is wanted (YYYY-MM-DD), not a date and time")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _FULL_DATE.fullmatch(value):
        return value
    raise ValueError("a calendar date is written YYYY-MM-DD (RFC 3339 full-date)")


def _date_time_string_only(value: object) -> object:
    """Let through a ``datetime`` or an RFC 3339 date-time string with an offset."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE_TIME.fullmatch(value):
        return value
    raise ValueError(
        "a moment is written as an RFC 3339 date-time with an offset, "
        "e.g. 2026-03-01T09:30:00Z (not a number, not a date alone)"
    )


def _aware(value: datetime) -> datetime:
    """Refuse a naive datetime: without an offset, the moment it names is unknown."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a moment needs an offset (Z or ±hh:mm)")
    return value


CalendarDate = Annotated[date, BeforeValidator(_calendar_date_only)]
"""A day, written ``YYYY-MM-DD`` (RFC 3339 §5.6 ``full-date``)."""

Instant = Annotated[datetime, BeforeValidator(_date_time_string_only), AfterValidator(_aware)]
"""A moment, written as an RFC 3339 §5.6 ``date-time`` with an offset."""
