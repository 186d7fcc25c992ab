"""The signals contract carries no identifier and no free text: only codes and counts."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from hub_contracts import EventPayload, SignalsPublished, SignalsPublishedV2
from hub_contracts.events.signals import (
    MAX_CELLS,
    MAX_DIMENSIONS,
    MAX_EPSILON,
    MAX_K_THRESHOLD,
    MAX_ROUNDING_BASE,
)
from hub_contracts.schemas import schema_of
from pydantic import ValidationError
from signals.config import Settings
from signals.domain import catalogue

# v1 stays readable for old records; v2 is what the service publishes (issue 13).
CONTRACTS = pytest.mark.parametrize(
    "contract", [SignalsPublished, SignalsPublishedV2], ids=lambda c: c.event_type
)

IDENTIFYING = re.compile(r"(^|_)(id|ids|case|person|referral|partner|token|subject)(_|$)|name")


def _fields(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    models = [schema, *schema.get("$defs", {}).values()]
    return [
        (model.get("title", "?"), name, field)
        for model in models
        for name, field in model.get("properties", {}).items()
    ]


def _strings(node: Any) -> list[dict[str, Any]]:
    """Every string-typed node inside a field schema (branches, items, map values)."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == "string":
            found.append(node)
        for value in node.values():
            found.extend(_strings(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_strings(value))
    return found


@CONTRACTS
def test_no_field_of_the_signals_contract_is_an_identifier(contract: type[EventPayload]) -> None:
    names = [f"{m}.{n}" for m, n, _ in _fields(schema_of(contract))]
    assert names  # the walk found the fields
    assert [n for n in names if IDENTIFYING.search(n.split(".")[1])] == []


@CONTRACTS
def test_every_string_of_the_signals_contract_is_a_code(contract: type[EventPayload]) -> None:
    schema = schema_of(contract)
    loose = [
        f"{m}.{n}"
        for m, n, field in _fields(schema)
        for node in _strings(field)
        if not any(k in node for k in ("pattern", "enum", "const", "format"))
    ]
    assert loose == []
    # Map keys (dimension names) are constrained too.
    cell = schema["$defs"]["SignalCell"]["properties"]["coordinates"]
    assert "pattern" in str(cell.get("propertyNames", cell.get("patternProperties", "")))


def test_the_detectors_work() -> None:
    assert IDENTIFYING.search("case_id")
    assert IDENTIFYING.search("person_token")
    assert not IDENTIFYING.search("dimensions")
    assert _strings({"anyOf": [{"type": "string"}, {"type": "null"}]}) == [{"type": "string"}]


@pytest.mark.parametrize("allow_country", [False, True])
def test_every_table_of_the_catalogue_fits_the_v2_bounds(allow_country: bool) -> None:
    """A table over the contract's bounds could never be published: the bounds leave room."""
    every_country = 26 * 26  # ISO 3166-1 alpha-2: two letters A-Z
    for spec in catalogue.allowed_tables(allow_country).values():
        assert 1 <= len(spec.dimensions) <= MAX_DIMENSIONS, spec.name
        # Each axis with its margin (TOTAL); the open country axis with every possible code.
        sizes = [len(d.values) + 1 if d.values else every_country + 1 for d in spec.dimensions]
        assert math.prod(sizes) <= MAX_CELLS, spec.name


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("k_threshold", MAX_K_THRESHOLD + 1),
        ("rounding_base", MAX_ROUNDING_BASE + 1),
        ("dp_epsilon_per_table", MAX_EPSILON * 2),
    ],
)
def test_a_setting_beyond_the_contract_is_refused_at_start(setting: str, value: float) -> None:
    """Otherwise every publication would fail the contract, period after period."""
    with pytest.raises(ValidationError, match=setting):
        Settings(**{setting: value})
    Settings(**{setting: value - 1 if setting != "dp_epsilon_per_table" else MAX_EPSILON})
