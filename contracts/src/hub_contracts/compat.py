"""Compatibility rules for committed JSON Schemas, in the spirit of FULL_TRANSITIVE.

Terms: a *writer* schema describes the documents a producer may send, a *reader* schema
what a consumer accepts. "Reader accepts writer" means every document valid under the
writer is valid under the reader. Then:

- BACKWARD compatible: the new schema (reader) accepts every old document (writer).
- FORWARD compatible: an old schema (reader) accepts every new document (writer).
- FULL_TRANSITIVE: both, against every earlier revision, not just the previous one.

The check works on the JSON Schema structure (``$ref``/``$defs`` resolved) and is
conservative: where it cannot prove acceptance (e.g. two different regex patterns) it
reports a problem. Annotations (title, description, default, examples) never matter.

Because every payload uses ``extra="forbid"`` (``additionalProperties: false``), nearly any
field change is breaking: an added optional field breaks forward (old readers refuse the
unknown field), a removed one breaks backward (new readers refuse it in old events). That is
intended: a breaking change gets a new event type version (``...v2``), and revisions within
a type are reserved for changes that really are compatible both ways.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Schema = dict[str, Any]

# Keywords that describe but never constrain; changing them is always compatible.
ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "examples",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$comment",
    }
)
# Keywords this module compares explicitly; anything else falls back to "must be equal".
_HANDLED = frozenset(
    {
        "$ref",
        "$defs",
        "definitions",
        "allOf",
        "anyOf",
        "oneOf",
        "type",
        "enum",
        "const",
        "pattern",
        "format",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "items",
        "minItems",
        "maxItems",
        "uniqueItems",
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "minProperties",
        "maxProperties",
    }
)
_LOWER_BOUNDS = (
    ("minimum", "exclusiveMinimum"),
    ("minLength", None),
    ("minItems", None),
    ("minProperties", None),
)
_UPPER_BOUNDS = (
    ("maximum", "exclusiveMaximum"),
    ("maxLength", None),
    ("maxItems", None),
    ("maxProperties", None),
)
_OBJECT_KEYWORDS = ("properties", "required", "additionalProperties", "patternProperties")


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _values(node: Schema) -> list[object] | None:
    """The closed set of allowed values (``enum``/``const``), or None if not closed."""
    if "const" in node:
        return [node["const"]]
    if "enum" in node:
        return list(node["enum"])
    return None


def _types(node: Schema) -> set[str] | None:
    declared = node.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return set(declared)
    values = _values(node)
    return None if values is None else {_json_type(value) for value in values}


def _type_covered(writer_type: str, reader_types: set[str]) -> bool:
    return writer_type in reader_types or (writer_type == "integer" and "number" in reader_types)


def _key(value: object) -> str:
    return json.dumps(value, sort_keys=True)


def _show(value: object) -> str:
    return json.dumps(value)


def _where(path: str) -> str:
    return f"field '{path}'" if path else "the event"


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


@dataclass
class _Comparison:
    """One reader/writer comparison; labels name the two sides in messages (old/new)."""

    reader_root: Schema
    writer_root: Schema
    reader_label: str
    writer_label: str
    _active: set[tuple[str | None, str | None]] = field(default_factory=set)

    # -- resolution ---------------------------------------------------------------------
    @staticmethod
    def _lookup(root: Schema, ref: str) -> Schema:
        if not ref.startswith("#/"):
            raise ValueError(f"only local $ref is supported, got {ref!r}")
        node: Any = root
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return dict(node)

    def _resolve(self, root: Schema, node: Schema) -> Schema:
        """Inline ``$ref`` and single-schema ``allOf``; sibling keywords are kept."""
        node = dict(node)
        while "$ref" in node or "allOf" in node:
            if "$ref" in node:
                target = self._lookup(root, node.pop("$ref"))
                node = {**target, **node}
            else:
                parts = node.pop("allOf")
                for part in parts:
                    node = {**self._resolve(root, part), **node}
        return node

    # -- entry point ---------------------------------------------------------------------
    def accepts(self, reader: Schema | bool, writer: Schema | bool, path: str) -> list[str]:
        """Problems that could make the reader refuse a document valid under the writer."""
        if reader is True or writer is False:
            return []
        if reader is False or writer is True:
            if isinstance(reader, dict) and not set(reader) - ANNOTATIONS:
                return []
            return [
                f"{_where(path)}: {self.writer_label} allows values that {self.reader_label} "
                "forbids"
            ]
        if not set(reader) - ANNOTATIONS:
            return []  # an unconstrained reader accepts anything
        guard = (reader.get("$ref"), writer.get("$ref"))
        if guard[0] is not None and guard[1] is not None and guard in self._active:
            return []  # recursive schema: assume what we are already proving (co-induction)
        self._active.add(guard)
        try:
            return self._accepts_resolved(
                self._resolve(self.reader_root, reader),
                self._resolve(self.writer_root, writer),
                path,
            )
        finally:
            self._active.discard(guard)

    def _accepts_resolved(self, reader: Schema, writer: Schema, path: str) -> list[str]:
        writer_union = writer.get("anyOf") or writer.get("oneOf")
        if writer_union is not None:
            return self._writer_union(reader, writer, writer_union, path)
        reader_union = reader.get("anyOf") or reader.get("oneOf")
        if reader_union is not None:
            return self._reader_union(reader, reader_union, writer, path)
        type_problems = self._types(reader, writer, path)
        if type_problems:
            return type_problems  # further keyword checks would only repeat the point
        return [
            *self._values(reader, writer, path),
            *self._strings(reader, writer, path),
            *self._bounds(reader, writer, path),
            *self._arrays(reader, writer, path),
            *self._objects(reader, writer, path),
            *self._other_keywords(reader, writer, path),
        ]

    # -- unions (Optional[X] is anyOf [X, null]) -----------------------------------------
    @staticmethod
    def _branch(node: Schema, branch: Schema) -> Schema:
        siblings = {k: v for k, v in node.items() if k not in ("anyOf", "oneOf")}
        return {**siblings, **branch} if siblings else branch

    def _writer_union(
        self, reader: Schema, writer: Schema, branches: list[Schema], path: str
    ) -> list[str]:
        problems: list[str] = []
        for branch in branches:
            problems.extend(self.accepts(reader, self._branch(writer, branch), path))
        return problems

    def _reader_union(
        self, reader: Schema, branches: list[Schema], writer: Schema, path: str
    ) -> list[str]:
        attempts = [self.accepts(self._branch(reader, b), writer, path) for b in branches]
        if any(not problems for problems in attempts):
            return []
        return min(attempts, key=len)

    # -- keyword groups -------------------------------------------------------------------
    def _types(self, reader: Schema, writer: Schema, path: str) -> list[str]:
        reader_types = _types(reader)
        if reader_types is None:
            return []
        writer_types = _types(writer)
        if writer_types is None:
            return [
                f"{_where(path)}: {self.reader_label} accepts only type "
                f"{sorted(reader_types)} but {self.writer_label} allows any type"
            ]
        missing = sorted(t for t in writer_types if not _type_covered(t, reader_types))
        if not missing:
            return []
        return [
            f"{_where(path)}: {self.writer_label} allows type {missing} but "
            f"{self.reader_label} accepts only {sorted(reader_types)}"
        ]

    def _values(self, reader: Schema, writer: Schema, path: str) -> list[str]:
        reader_values = _values(reader)
        if reader_values is None:
            return []
        writer_values = _values(writer)
        if writer_values is None:
            return [
                f"{_where(path)}: {self.reader_label} accepts only the values "
                f"{_show(reader_values)} but {self.writer_label} allows any value"
            ]
        allowed = {_key(value) for value in reader_values}
        return [
            f"{_where(path)}: value {_show(value)} is allowed by {self.writer_label} but not "
            f"accepted by {self.reader_label}"
            for value in writer_values
            if _key(value) not in allowed
        ]

    def _strings(self, reader: Schema, writer: Schema, path: str) -> list[str]:
        problems: list[str] = []
        for keyword in ("pattern", "format"):
            if keyword not in reader or reader[keyword] == writer.get(keyword):
                continue
            if keyword == "pattern" and self._values_match(reader["pattern"], writer):
                continue
            problems.append(
                f"{_where(path)}: {self.reader_label} requires {keyword} "
                f"{_show(reader[keyword])} but {self.writer_label} has "
                f"{_show(writer.get(keyword))}"
            )
        return problems

    @staticmethod
    def _values_match(pattern: str, writer: Schema) -> bool:
        values = _values(writer)
        return values is not None and all(
            isinstance(value, str) and re.search(pattern, value) for value in values
        )

    def _bounds(self, reader: Schema, writer: Schema, path: str) -> list[str]:
        problems: list[str] = []
        for inclusive, exclusive in _LOWER_BOUNDS:
            problems.extend(self._bound(reader, writer, path, inclusive, exclusive, lower=True))
        for inclusive, exclusive in _UPPER_BOUNDS:
            problems.extend(self._bound(reader, writer, path, inclusive, exclusive, lower=False))
        multiple = reader.get("multipleOf")
        if multiple is not None:
            theirs = writer.get("multipleOf")
            if theirs is None or theirs % multiple != 0:
                problems.append(
                    f"{_where(path)}: {self.reader_label} requires multipleOf "
                    f"{multiple} but {self.writer_label} has {theirs}"
                )
        return problems

    @staticmethod
    def _read_bound(
        node: Schema, inclusive: str, exclusive: str | None, *, lower: bool
    ) -> tuple[float, bool]:
        """(value, is_exclusive); the tighter one when both keywords are present."""
        found: list[tuple[float, bool]] = []
        if inclusive in node:
            found.append((node[inclusive], False))
        if exclusive is not None and exclusive in node:
            found.append((node[exclusive], True))
        # At equal values the exclusive bound is the tighter one, so sort it last.
        found.sort(key=lambda bound: (bound[0] if lower else -bound[0], bound[1]))
        return found[-1]

    def _bound(
        self,
        reader: Schema,
        writer: Schema,
        path: str,
        inclusive: str,
        exclusive: str | None,
        *,
        lower: bool,
    ) -> list[str]:
        keys = [k for k in (inclusive, exclusive) if k is not None]
        if not any(k in reader for k in keys):
            return []
        reader_value, reader_excl = self._read_bound(reader, inclusive, exclusive, lower=lower)
        described = f"{inclusive}={reader_value}" + (" (exclusive)" if reader_excl else "")
        if not any(k in writer for k in keys):
            return [
                f"{_where(path)}: {self.reader_label} requires {described} but "
                f"{self.writer_label} has no such bound"
            ]
        writer_value, writer_excl = self._read_bound(writer, inclusive, exclusive, lower=lower)
        tighter = writer_value > reader_value if lower else writer_value < reader_value
        same = writer_value == reader_value and (writer_excl or not reader_excl)
        if tighter or same:
            return []
        return [
            f"{_where(path)}: {self.reader_label} requires {described} but "
            f"{self.writer_label} allows {writer_value}"
        ]

    def _arrays(self, reader: Schema, writer: Schema, path: str) -> list[str]:
        problems: list[str] = []
        if "items" in reader:
            problems.extend(self.accepts(reader["items"], writer.get("items", True), f"{path}[]"))
        if reader.get("uniqueItems") and not writer.get("uniqueItems"):
            problems.append(
                f"{_where(path)}: {self.reader_label} requires unique items but "
                f"{self.writer_label} allows duplicates"
            )
        return problems

    def _objects(self, reader: Schema, writer: Schema, path: str) -> list[str]:
        if not any(k in reader or k in writer for k in _OBJECT_KEYWORDS):
            return []
        return [
            *self._declared_properties(reader, writer, path),
            *self._required(reader, writer, path),
            *self._undeclared_properties(reader, writer, path),
        ]

    def _schema_for_name(self, reader: Schema, name: str) -> Schema | bool:
        """The reader's schema for a property it does not declare by name."""
        for pattern, schema in reader.get("patternProperties", {}).items():
            if re.search(pattern, name):
                return dict(schema)
        extra: Schema | bool = reader.get("additionalProperties", True)
        return extra

    def _declared_properties(self, reader: Schema, writer: Schema, path: str) -> list[str]:
        problems: list[str] = []
        reader_props: dict[str, Schema] = reader.get("properties", {})
        for name, writer_schema in writer.get("properties", {}).items():
            reader_schema = reader_props.get(name)
            if reader_schema is None:
                reader_schema_or_bool = self._schema_for_name(reader, name)
                if reader_schema_or_bool is False:
                    problems.append(
                        f"{_where(_join(path, name))}: {self.writer_label} may carry this field "
                        f"but {self.reader_label} does not know it and forbids unknown fields "
                        "(additionalProperties: false)"
                    )
                    continue
                problems.extend(
                    self.accepts(reader_schema_or_bool, writer_schema, _join(path, name))
                )
                continue
            problems.extend(self.accepts(reader_schema, writer_schema, _join(path, name)))
        return problems

    def _required(self, reader: Schema, writer: Schema, path: str) -> list[str]:
        writer_required = set(writer.get("required", []))
        return [
            f"{_where(_join(path, name))}: {self.reader_label} requires this field but "
            f"{self.writer_label} may omit it"
            for name in sorted(set(reader.get("required", [])) - writer_required)
        ]

    def _undeclared_properties(self, reader: Schema, writer: Schema, path: str) -> list[str]:
        """Fields the writer allows without declaring them (maps, open objects)."""
        problems: list[str] = []
        for pattern, writer_schema in writer.get("patternProperties", {}).items():
            reader_schema = reader.get("patternProperties", {}).get(pattern)
            if reader_schema is None:
                reader_schema = reader.get("additionalProperties", True)
                if reader_schema is not True and "patternProperties" in reader:
                    reader_schema = False  # can't prove the writer's names match the reader's
            problems.extend(self.accepts(reader_schema, writer_schema, f"{path}{{{pattern}}}"))
        writer_extra = writer.get("additionalProperties", True)
        if writer_extra is False:
            return problems
        if "patternProperties" in reader and not set(reader["patternProperties"]) <= set(
            writer.get("patternProperties", {})
        ):
            problems.append(
                f"{_where(path)}: {self.reader_label} restricts field names but "
                f"{self.writer_label} allows any name"
            )
            return problems
        problems.extend(
            self.accepts(
                reader.get("additionalProperties", True),
                writer_extra,
                f"{path}{{*}}" if path else "{*}",
            )
        )
        return problems

    def _other_keywords(self, reader: Schema, writer: Schema, path: str) -> list[str]:
        # Anything not understood above must simply be unchanged: we don't guess.
        return [
            f"{_where(path)}: keyword {keyword!r} differs between {self.reader_label} and "
            f"{self.writer_label}; cannot prove compatibility"
            for keyword in sorted(set(reader) - _HANDLED - ANNOTATIONS)
            if reader[keyword] != writer.get(keyword)
        ]


def _accepts(reader: Schema, writer: Schema, reader_label: str, writer_label: str) -> list[str]:
    comparison = _Comparison(reader, writer, reader_label, writer_label)
    return comparison.accepts(reader, writer, "")


def check_compatibility(old: Schema, new: Schema) -> list[str]:
    """Readable problems that make ``new`` not FULL compatible with ``old``; [] if none."""
    backward = _accepts(new, old, reader_label="the new schema", writer_label="the old schema")
    forward = _accepts(old, new, reader_label="the old schema", writer_label="the new schema")
    return [
        *(f"not backward compatible (new readers, old events): {p}" for p in backward),
        *(f"not forward compatible (old readers, new events): {p}" for p in forward),
    ]


# -- the committed tree ---------------------------------------------------------------------


def short_name(event_type: str) -> str:
    """``council.casefile.CaseOpened.v1`` -> ``CaseOpened.v1`` (for messages)."""
    return ".".join(event_type.split(".")[-2:])


def _committed(type_dir: Path, problems: list[str]) -> dict[int, Schema]:
    revisions: dict[int, Schema] = {}
    for file in sorted(type_dir.glob("*.json")):
        if not file.stem.isdigit():
            problems.append(f"{file}: schema files are named <revision>.json")
            continue
        revisions[int(file.stem)] = json.loads(file.read_text(encoding="utf-8"))
    return revisions


def _check_revisions(
    name: str, revision: int, schema: Schema, committed: dict[int, Schema]
) -> list[str]:
    problems: list[str] = []
    if revision not in committed:
        problems.append(
            f"{name} revision {revision} has no committed schema; run "
            "`python -m hub_contracts.schemas write` and commit the file"
        )
    elif committed[revision] != schema:
        problems.append(
            f"{name} revision {revision} changed in place; a breaking change needs "
            "a new event type version, a compatible one a new revision"
        )
    problems.extend(
        f"{name} revision {newer} is committed but the code is at revision {revision}; "
        "revisions never go back"
        for newer in sorted(r for r in committed if r > revision)
    )
    problems.extend(
        f"{name} revision {gap} is missing; committed revisions are never deleted"
        for gap in range(1, revision)
        if gap not in committed
    )
    return problems


def _check_transitive(name: str, revisions: dict[int, Schema]) -> list[str]:
    problems: list[str] = []
    ordered = sorted(revisions)
    for index, newer in enumerate(ordered):
        for older in ordered[:index]:
            problems.extend(
                f"{name} revision {newer} vs revision {older}: {problem}"
                for problem in check_compatibility(revisions[older], revisions[newer])
            )
    return problems


def _check_type(schema_dir: Path, event_type: str, revision: int, schema: Schema) -> list[str]:
    problems: list[str] = []
    committed = _committed(schema_dir / event_type, problems)
    name = short_name(event_type)
    problems.extend(_check_revisions(name, revision, schema, committed))
    # The current model stands in for its revision, so an edit shows its consequences too.
    history = {r: s for r, s in committed.items() if r < revision}
    history[revision] = schema
    problems.extend(_check_transitive(name, history))
    return problems


def _orphans(schema_dir: Path, known: Iterable[str]) -> list[str]:
    if not schema_dir.is_dir():
        return []
    known_set = set(known)
    return [
        f"{entry.name}: schemas are committed but no payload class registers this type; "
        "event types stay readable as long as they may be in a topic"
        for entry in sorted(schema_dir.iterdir())
        if entry.is_dir() and entry.name not in known_set
    ]


def check_all(schema_dir: Path, current: dict[str, tuple[int, Schema]]) -> list[str]:
    """Check every current (type -> (revision, schema)) against the committed tree.

    Fails on: a missing or in-place-edited file of the current revision, newer or deleted
    revisions, any revision pair that is not FULL compatible (transitively), and committed
    types that the code no longer knows.
    """
    problems: list[str] = []
    for event_type in sorted(current):
        revision, schema = current[event_type]
        problems.extend(_check_type(schema_dir, event_type, revision, schema))
    problems.extend(_orphans(schema_dir, current))
    return problems
