"""check_compatibility on hand-written JSON Schemas: one rule per test."""

from __future__ import annotations

from typing import Any

import pytest
from hub_contracts.compat import check_compatibility
from hub_contracts.schemas import current_schemas

BACKWARD = "not backward compatible"
FORWARD = "not forward compatible"


def _obj(properties: dict[str, Any], required: list[str], closed: bool = True) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "required": required}
    if closed:
        schema["additionalProperties"] = False
    return schema


def _directions(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    problems = check_compatibility(old, new)
    return {d for d in (BACKWARD, FORWARD) if any(p.startswith(d) for p in problems)}


INT = {"type": "integer"}


def test_every_real_schema_is_compatible_with_itself() -> None:
    for _, (_, schema) in current_schemas().items():
        assert check_compatibility(schema, schema) == []


def test_annotations_never_matter() -> None:
    old = _obj({"a": {"type": "integer", "title": "A", "description": "old"}}, ["a"])
    new = _obj({"a": {"type": "integer", "description": "new", "examples": [1]}}, ["a"])
    assert check_compatibility(old, new) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # added optional field under additionalProperties:false -> forward breaks
        (_obj({"a": INT}, ["a"]), _obj({"a": INT, "b": INT}, ["a"]), {FORWARD}),
        # removed optional field -> backward breaks
        (_obj({"a": INT, "b": INT}, ["a"]), _obj({"a": INT}, ["a"]), {BACKWARD}),
        # added required field -> both
        (_obj({"a": INT}, ["a"]), _obj({"a": INT, "b": INT}, ["a", "b"]), {BACKWARD, FORWARD}),
        # optional -> required: backward; required -> optional: forward
        (_obj({"a": INT}, []), _obj({"a": INT}, ["a"]), {BACKWARD}),
        (_obj({"a": INT}, ["a"]), _obj({"a": INT}, []), {FORWARD}),
        # open objects: an added optional field is fine both ways
        (_obj({"a": INT}, [], closed=False), _obj({"a": INT, "b": INT}, [], closed=False), set()),
        # integer widened to number: forward breaks
        (_obj({"a": INT}, ["a"]), _obj({"a": {"type": "number"}}, ["a"]), {FORWARD}),
        # tighten / loosen numeric and length bounds
        ({"type": "integer", "maximum": 10}, {"type": "integer", "maximum": 5}, {BACKWARD}),
        ({"type": "integer", "maximum": 10}, {"type": "integer"}, {FORWARD}),
        ({"type": "integer", "minimum": 0}, {"type": "integer", "exclusiveMinimum": 0}, {BACKWARD}),
        ({"type": "integer", "minimum": 1}, {"type": "integer", "exclusiveMinimum": 0}, {FORWARD}),
        ({"type": "string", "maxLength": 5}, {"type": "string", "maxLength": 9}, {FORWARD}),
        ({"type": "array", "minItems": 1}, {"type": "array"}, {FORWARD}),
        # enum and const
        ({"enum": ["a", "b"]}, {"enum": ["a"]}, {BACKWARD}),
        ({"enum": ["a"]}, {"enum": ["a", "b"]}, {FORWARD}),
        ({"const": "a"}, {"enum": ["a"]}, set()),
        # string pattern / format
        ({"type": "string", "pattern": "^a$"}, {"type": "string", "pattern": "^b$"},
         {BACKWARD, FORWARD}),
        ({"type": "string"}, {"type": "string", "format": "uuid"}, {BACKWARD}),
        ({"enum": ["ab"]}, {"type": "string", "pattern": "^[a-z]+$"}, {FORWARD}),
        # nullable
        ({"type": "integer"}, {"anyOf": [{"type": "integer"}, {"type": "null"}]}, {FORWARD}),
        ({"anyOf": [{"type": "integer"}, {"type": "null"}]}, {"type": "integer"}, {BACKWARD}),
        # array items, recursively
        ({"type": "array", "items": {"enum": ["x", "y"]}},
         {"type": "array", "items": {"enum": ["x"]}}, {BACKWARD}),
        # maps (patternProperties)
        ({"type": "object", "patternProperties": {"^a": {"type": "string"}}},
         {"type": "object", "patternProperties": {"^a": {"type": "integer"}}},
         {BACKWARD, FORWARD}),
        # unknown keywords must stay equal
        ({"type": "string"}, {"type": "string", "contentEncoding": "base64"}, {BACKWARD}),
    ],
)  # fmt: skip
def test_rule(old: dict[str, Any], new: dict[str, Any], expected: set[str]) -> None:
    assert _directions(old, new) == expected


def test_refs_are_resolved_and_nested_objects_compared() -> None:
    def schema(values: list[str]) -> dict[str, Any]:
        inner = _obj({"code": {"$ref": "#/$defs/Code"}}, ["code"])
        return {
            **_obj({"reasons": {"type": "array", "items": {"$ref": "#/$defs/Reason"}}}, []),
            "$defs": {"Reason": inner, "Code": {"type": "string", "enum": values}},
        }

    problems = check_compatibility(schema(["a", "b"]), schema(["a"]))
    assert problems == [
        "not backward compatible (new readers, old events): field 'reasons[].code': "
        'value "b" is allowed by the old schema but not accepted by the new schema'
    ]


def test_recursive_schemas_terminate() -> None:
    node = {
        "$defs": {"Node": _obj({"children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}},
                               [])},
        "$ref": "#/$defs/Node",
    }  # fmt: skip
    assert check_compatibility(node, node) == []
