"""Seeded random records for the consumer fuzz test: valid envelopes and mutated ones.

Every mutation is a kind of bad input a broker can carry (issue 13): flipped bytes, truncated
JSON, wrong types, unknown event types, huge strings, NUL and lone surrogates, deep nesting,
wrong schema versions, invalid UTF-8, values that are not JSON objects, empty and missing
values, odd or missing headers and keys.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from hub_contracts import EventPayload, new_envelope
from hub_contracts.examples import EXAMPLES
from hub_contracts.topics import Topic

Headers = list[tuple[str, bytes]]


@dataclass(frozen=True)
class FuzzRecord:
    """What goes to the broker: value (None: a tombstone), key and headers, and the mutation
    that made it ("valid" for an unmutated example)."""

    topic: Topic
    mutation: str
    value: bytes | None
    key: bytes | None
    headers: Headers


def valid_payloads(topic: Topic) -> list[EventPayload]:
    """One example payload of every event type on `topic` (hub_contracts.examples)."""
    return [make() for cls, make in EXAMPLES.items() if cls.topic is topic]


def valid_record(payload: EventPayload, headers: Headers | None = None) -> FuzzRecord:
    subject = payload.envelope_subject() or str(uuid4())
    # A command names its tool (referral refuses another source before anything else).
    tool = payload.topic is Topic.REFERRAL_COMMANDS
    source = "urn:council-hub:tool:fuzz" if tool else "urn:council-hub:fuzz"
    envelope = new_envelope(payload, source=source, subject=subject)
    return FuzzRecord(
        payload.topic, "valid", envelope.to_bytes(), subject.encode(), list(headers or [])
    )


def _strings(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every string in a JSON tree."""
    if isinstance(node, str):
        return [path]
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _strings(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _strings(v, (*path, i))]
    return []


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every value in a JSON tree (not the root)."""
    found: list[tuple[Any, ...]] = [path] if path else []
    if isinstance(node, dict):
        found += [p for k, v in node.items() for p in _paths(v, (*path, k))]
    elif isinstance(node, list):
        found += [p for i, v in enumerate(node) for p in _paths(v, (*path, i))]
    return found


def _set(tree: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        tree = tree[step]
    tree[path[-1]] = value


def _get(tree: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        tree = tree[step]
    return tree


class Mutator:
    """Seeded mutations of valid records (same seed, same records)."""

    def __init__(self, seed: int) -> None:
        # Reproducible test data, not secrets.
        self.rng = random.Random(seed)  # noqa: S311

    def mutate(self, base: FuzzRecord) -> FuzzRecord:
        assert base.value is not None
        name, mutation = self.rng.choice(list(self._mutations().items()))
        value = mutation(base.value)
        key = self.rng.choice([base.key, base.key, None, b"", b"\xff\xfe", b"k" * 5000])
        return FuzzRecord(base.topic, name, value, key, self.headers())

    def headers(self) -> Headers:
        """No headers, or odd ones: a broken traceparent, invalid UTF-8, a long value."""
        return self.rng.choice(
            [
                [],
                [("traceparent", b"00-zz-not-a-trace-01")],
                [("traceparent", b"\xff\xfe\x00")],
                [("tracestate", b"x" * 20_000)],
                [("", b""), ("dlq-error", b"forged")],
            ]
        )

    def _mutations(self) -> dict[str, Callable[[bytes], bytes | None]]:
        return {
            "flipped_bytes": self._flip,
            "truncated": lambda raw: raw[: self.rng.randrange(len(raw))],
            "wrong_type": self._wrong_type,
            "unknown_type": self._unknown_type,
            "huge_string": lambda raw: self._string(raw, "A" * 300_000),
            "nul": lambda raw: self._string(raw, "a\u0000b"),
            "lone_surrogate": lambda raw: self._string(raw, "\ud800"),
            "deep_nesting": self._deep,
            "schema_version": self._schema_version,
            "invalid_utf8": self._invalid_utf8,
            "not_an_object": lambda _: self.rng.choice([b"null", b"[]", b"1", b'"x"', b"{}"]),
            "empty": lambda _: self.rng.choice([b"", None]),
        }

    def _flip(self, raw: bytes) -> bytes:
        data = bytearray(raw)
        for _ in range(self.rng.randint(1, 8)):
            data[self.rng.randrange(len(data))] ^= 1 << self.rng.randrange(8)
        return bytes(data)

    def _edit(self, raw: bytes, edit: Callable[[dict[str, Any]], None]) -> bytes:
        tree = json.loads(raw)
        edit(tree)
        return json.dumps(tree).encode("utf-8", "surrogatepass")

    def _wrong_type(self, raw: bytes) -> bytes:
        def edit(tree: dict[str, Any]) -> None:
            wrong: list[Any] = [123, -1, 1e308, 2**70, True, None, [], {}, "x", "9" * 400, [1, "a"]]
            _set(tree, self.rng.choice(_paths(tree)), self.rng.choice(wrong))

        return self._edit(raw, edit)

    def _unknown_type(self, raw: bytes) -> bytes:
        def edit(tree: dict[str, Any]) -> None:
            tree["type"] = self.rng.choice(
                ["council.casefile.DoesNotExist.v1", "council.referral.CaseOpened.v9", "x", ""]
            )

        return self._edit(raw, edit)

    def _string(self, raw: bytes, inserted: str) -> bytes:
        def edit(tree: dict[str, Any]) -> None:
            path = self.rng.choice(_strings(tree))
            old = _get(tree, path)
            cut = self.rng.randrange(len(old) + 1)
            _set(tree, path, old[:cut] + inserted + old[cut:])

        return self._edit(raw, edit)

    def _deep(self, raw: bytes) -> bytes:
        depth = self.rng.choice([200, 1000, 20_000])
        nested = b"[" * depth + b"]" * depth
        return raw.replace(b'"data":{', b'"data":{"deep":' + nested + b",", 1)

    def _schema_version(self, raw: bytes) -> bytes:
        def edit(tree: dict[str, Any]) -> None:
            tree["schemaversion"] = self.rng.choice([0, -1, 2, 99, 2**63, "1", 1.5, None])

        return self._edit(raw, edit)

    def _invalid_utf8(self, raw: bytes) -> bytes:
        at = self.rng.randrange(len(raw))
        return (
            raw[:at] + self.rng.choice([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x80"]) + raw[at:]
        )


def fuzz_records(topic: Topic, seed: int, mutants: int) -> list[FuzzRecord]:
    """Every valid example of `topic` (some with odd headers), then `mutants` mutated ones,
    shuffled with the seed."""
    mutator = Mutator(seed)
    valid = [valid_record(p, mutator.headers()) for p in valid_payloads(topic)]
    records = valid + [mutator.mutate(mutator.rng.choice(valid)) for _ in range(mutants)]
    mutator.rng.shuffle(records)
    return records
