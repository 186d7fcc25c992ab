"""The signals contract carries no identifier and no free text: only codes and counts."""

from __future__ import annotations

import re
from typing import Any

from hub_contracts import SignalsPublished
from hub_contracts.schemas import schema_of

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


def test_no_field_of_the_signals_contract_is_an_identifier() -> None:
    names = [f"{m}.{n}" for m, n, _ in _fields(schema_of(SignalsPublished))]
    assert names  # the walk found the fields
    assert [n for n in names if IDENTIFYING.search(n.split(".")[1])] == []


def test_every_string_of_the_signals_contract_is_a_code() -> None:
    schema = schema_of(SignalsPublished)
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
