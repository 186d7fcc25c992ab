"""The strict date and time input types accept one spelling per value (RFC 3339 §5.6)."""

from datetime import UTC, date, datetime

import pytest
from hub_contracts.calendar import CalendarDate, Instant
from pydantic import BaseModel, ValidationError


class _Body(BaseModel):
    day: CalendarDate
    moment: Instant | None = None


@pytest.mark.parametrize(
    "body",
    [
        {"day": "2026-03-01"},
        {"day": date(2026, 3, 1)},
        {"day": "2026-03-01", "moment": "2026-03-01T09:30:00Z"},
        {"day": "2026-03-01", "moment": "2026-03-01T10:30:00.250+01:00"},
        {"day": "2026-03-01", "moment": datetime(2026, 3, 1, 9, 30, tzinfo=UTC)},
    ],
)
def test_the_standard_spellings_pass(body: dict[str, object]) -> None:
    parsed = _Body.model_validate(body)
    assert parsed.day == date(2026, 3, 1)
    assert parsed.moment is None or parsed.moment.utcoffset() is not None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"day": "2026-03-01T00:00:00"}, "day"),
        ({"day": "2026-03-01T00:00:00Z"}, "day"),
        ({"day": 20513}, "day"),
        ({"day": 1.5}, "day"),
        ({"day": datetime(2026, 3, 1, tzinfo=UTC)}, "day"),
        ({"day": "\uff12\uff10\uff12\uff16-03-01"}, "day"),  # fullwidth digits (str.isdigit)
        ({"day": "2026-3-1"}, "day"),
        ({"day": "2026-02-30"}, "day"),
        ({"day": "2026-03-01", "moment": 1772357400}, "moment"),
        ({"day": "2026-03-01", "moment": "2026-03-01T09:30:00"}, "moment"),  # naive
        ({"day": "2026-03-01", "moment": "2026-03-01"}, "moment"),
        ({"day": "2026-03-01", "moment": datetime(2026, 3, 1, 9, 30)}, "moment"),  # naive
    ],
)
def test_lax_spellings_are_refused_without_echoing_the_value(
    body: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        _Body.model_validate(body)
    errors = refused.value.errors(include_input=False)
    assert [error["loc"][0] for error in errors] == [field]


def test_the_json_schema_is_the_standard_format() -> None:
    properties = _Body.model_json_schema()["properties"]
    assert properties["day"] == {"format": "date", "title": "Day", "type": "string"}
    assert {"format": "date-time", "type": "string"} in properties["moment"]["anyOf"]
