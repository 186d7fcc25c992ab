"""SignalsPublished.v2 (issue 13): every string an ASCII code matched whole, lists and numbers
bounded. v1 stays registered as committed; the first test shows the hole v2 closes."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hub_contracts import (
    ContractError,
    Envelope,
    SignalsPublished,
    SignalsPublishedV2,
    decode,
    new_envelope,
    payload_class,
)
from hub_contracts.codes import PERIOD
from hub_contracts.events.signals import MAX_CELLS, MAX_COUNT, MAX_DIMENSIONS
from hub_contracts.examples import example_payload
from hub_contracts.schemas import DEFAULT_SCHEMA_DIR, schema_of, schema_path

ARABIC_INDIC_2024 = "\u0662\u0660\u0662\u0664-01"  # ٢٠٢٤-01
FULLWIDTH_2024 = "\uff12\uff10\uff12\uff14-01"  # 2024 in fullwidth digits
MALFORMED_PERIODS = [
    ARABIC_INDIC_2024,
    "2024-01\n",
    FULLWIDTH_2024,
    "2024-01\r\n",
    "\u06f2\u06f0\u06f2\u06f4-01",  # Extended Arabic-Indic (Persian) digits
    "0000-01",  # no year 0000 in the calendar
    "2024-13",
    "2024-1",
    " 2024-01",
]


def _data(**changes: Any) -> dict[str, Any]:
    return {**example_payload(SignalsPublishedV2).model_dump(mode="json"), **changes}


def _decode_v2(data: dict[str, Any]) -> object:
    envelope = new_envelope(example_payload(SignalsPublishedV2), source="urn:t", subject="2025-02")
    raw = json.loads(envelope.to_bytes())
    raw["data"] = data
    return decode(Envelope.from_bytes(json.dumps(raw).encode()))


def test_v1_took_other_scripts_digits_for_a_period() -> None:
    """The reason for v2: pydantic's engine matches ``\\d`` with every script's digits."""
    v1 = example_payload(SignalsPublished).model_dump(mode="json")
    assert SignalsPublished.model_validate({**v1, "period": ARABIC_INDIC_2024})


@pytest.mark.parametrize("period", MALFORMED_PERIODS)
def test_v2_refuses_a_period_that_is_not_an_ascii_month(period: str) -> None:
    with pytest.raises(ContractError, match="field 'period'"):
        _decode_v2(_data(period=period))


@pytest.mark.parametrize("period", ["2025-02", "0001-01", "1999-12", "9999-12"])
def test_v2_reads_every_month_of_the_calendar(period: str) -> None:
    """The contract checks the form; which months are plausible is the producer's rule."""
    decoded = _decode_v2(_data(period=period))
    assert isinstance(decoded, SignalsPublishedV2)
    assert decoded.period == period


def test_the_schema_says_what_the_model_checks() -> None:
    """Readers that validate with the JSON Schema (another engine) refuse the same periods."""
    pattern = schema_of(SignalsPublishedV2)["properties"]["period"]["pattern"]
    assert pattern == f"^(?:{PERIOD.pattern})$"
    assert "(?" not in PERIOD.pattern  # no look-around: the interoperable subset only
    for period in MALFORMED_PERIODS:
        with pytest.raises(ValueError, match="YYYY-MM"):
            PERIOD.validate(period)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("table", "bottlenecks_by_region\n"),
        ("table", "bottlenecks_by_reg\u0131on"),  # dotless i: a letter, not an ASCII one
        ("dimensions", ["category", "region\n"]),
        ("dimensions", ["category", "category"]),
        ("dimensions", []),
        ("dimensions", [f"d{i}" for i in range(MAX_DIMENSIONS + 1)]),
    ],
)
def test_v2_names_are_whole_ascii_codes_listed_once(field: str, value: Any) -> None:
    with pytest.raises(ContractError, match=f"field '{field}"):
        _decode_v2(_data(**{field: value}))


@pytest.mark.parametrize(
    "coordinates",
    [
        {"category": "journey_debts\n", "region": "west"},
        {"category": "journey_debts", "region": "\uff57est"},  # fullwidth w
        {"category": "journey_debts", "region\n": "west"},
    ],
)
def test_v2_cell_coordinates_are_whole_ascii_codes(coordinates: dict[str, str]) -> None:
    data = _data()
    data["cells"][0]["coordinates"] = coordinates
    with pytest.raises(ContractError, match="field 'cells"):
        _decode_v2(data)


def test_v2_refuses_a_cell_given_twice() -> None:
    data = _data()
    data["cells"][1] = data["cells"][0]
    with pytest.raises(ContractError, match=r"SignalsPublished\.v2: the event is not valid$"):
        _decode_v2(data)


def test_v2_bounds_the_number_of_cells() -> None:
    data = _data()
    data["cells"] = [
        {"coordinates": {"category": "c", "region": str(i)}, "count": None, "suppressed": True}
        for i in range(MAX_CELLS + 1)
    ]
    with pytest.raises(ContractError, match="field 'cells'"):
        _decode_v2(data)


@pytest.mark.parametrize("count", [MAX_COUNT + 1, 2**63, "\u0661\u0665", "1_5"])
def test_v2_counts_are_bounded_whole_numbers(count: object) -> None:
    data = _data()
    data["cells"][0]["count"] = count
    with pytest.raises(ContractError, match=r"field 'cells\[0\]\.count'"):
        _decode_v2(data)


@pytest.mark.parametrize(
    "method",
    [
        {"k_threshold": 10, "rounding_base": 5, "noise": "laplace", "epsilon_spent": math.inf},
        {"k_threshold": 10, "rounding_base": 5, "noise": "laplace", "epsilon_spent": 1e6},
        {"k_threshold": 10, "rounding_base": 5, "noise": "laplace", "epsilon_spent": None},
        {"k_threshold": 10, "rounding_base": 5, "noise": "none", "epsilon_spent": 0.5},
        {"k_threshold": 10**6, "rounding_base": 5, "noise": "none", "epsilon_spent": None},
        {"k_threshold": 10, "rounding_base": 10**6, "noise": "none", "epsilon_spent": None},
    ],
)
def test_v2_method_is_bounded_and_consistent(method: dict[str, Any]) -> None:
    with pytest.raises(ContractError, match="field 'method"):
        _decode_v2(_data(method=method))


def test_v1_stays_registered_and_committed_next_to_v2() -> None:
    assert payload_class(SignalsPublished.event_type) is SignalsPublished
    assert payload_class(SignalsPublishedV2.event_type) is SignalsPublishedV2
    assert SignalsPublished.topic is SignalsPublishedV2.topic
    assert schema_path(DEFAULT_SCHEMA_DIR, SignalsPublished.event_type, 1).exists()
    assert schema_path(DEFAULT_SCHEMA_DIR, SignalsPublishedV2.event_type, 1).exists()
    # Same fields: a reader of the table (dashboard, CSV) reads v1 and v2 documents alike.
    v1_fields = set(schema_of(SignalsPublished)["properties"])
    assert v1_fields == set(schema_of(SignalsPublishedV2)["properties"])


def test_v2_is_keyed_by_its_period() -> None:
    assert example_payload(SignalsPublishedV2).envelope_subject() == "2025-02"
