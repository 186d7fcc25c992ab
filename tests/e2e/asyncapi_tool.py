"""AsyncAPI documents checked by the official parser, and records checked against them.

``parser_problems`` runs ``@asyncapi/parser`` (tools/standards/asyncapi-check.js, installed by
infra/standards.sh from the lock file). ``record_problems`` validates each record read from a
topic against the messages of the document's channel whose address is that topic: the value
(JSON) against the message's payload schema, the headers against its headers schema and the
key against its Kafka binding's key schema, with JSON Schema Draft 07 (the AsyncAPI Schema
format's base) and format checks on; a record must match exactly one message.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import jsonschema_rs

from .cloudevents_sdks import TOOLS, WireRecord

Document = dict[str, Any]
_BASE = "urn:council-hub:asyncapi"


def parser_problems(documents: dict[str, Document]) -> dict[str, list[dict[str, str]]]:
    """``where -> diagnostics`` of the official parser for every document, e.g.
    ``{"severity": "error", "code": "invalid-ref", "message": ..., "path": ...}``; a document
    the parser could not turn into a model gets a diagnostic of severity ``error``."""
    done = subprocess.run(
        ["node", str(TOOLS / "asyncapi-check.js")],  # node from PATH, as npm
        input=json.dumps([{"where": w, "document": d} for w, d in documents.items()]),
        capture_output=True,
        text=True,
        cwd=TOOLS,
        timeout=300,
        check=False,
    )
    if not done.stdout:
        raise RuntimeError(f"node failed ({done.returncode}): {done.stderr.strip()}")
    found: dict[str, list[dict[str, str]]] = {}
    for result in json.loads(done.stdout):
        diagnostics = result["diagnostics"]
        if not result["ok"] and not any(d["severity"] == "error" for d in diagnostics):
            diagnostics.append(
                {"severity": "error", "code": "no-document", "message": "", "path": ""}
            )
        found[result["where"]] = diagnostics
    return found


def errors_of(diagnostics: dict[str, list[dict[str, str]]]) -> list[str]:
    """The error-severity diagnostics as ``"<where>: <code> at <path>: <message>"``."""
    return [
        f"{where}: {d['code']} at {d['path']}: {d['message']}"
        for where, found in diagnostics.items()
        for d in found
        if d["severity"] == "error"
    ]


class RecordChecker:
    """The channels of one document, by address, with a validator per message part."""

    def __init__(self, document: Document) -> None:
        self._registry = jsonschema_rs.Registry([(_BASE, document)])
        self.document = document
        self.addresses = {c["address"]: cid for cid, c in document["channels"].items()}

    def _validator(self, pointer: str) -> Any:
        return jsonschema_rs.Draft7Validator(
            {"$ref": f"{_BASE}#{pointer}"}, registry=self._registry, validate_formats=True
        )

    def covers(self, record: WireRecord) -> bool:
        """True when the record's topic is the address of a channel of the document."""
        return _topic(record) in self.addresses

    def matches(self, record: WireRecord) -> list[str]:
        """The messages of the record's channel that the record satisfies (by name)."""
        channel = self.document["channels"][self.addresses[_topic(record)]]
        return [name for name in channel["messages"] if not self.mismatches(record, name)]

    def mismatches(self, record: WireRecord, name: str) -> list[str]:
        """Why ``record`` is not message ``name`` (component name); ``[]`` when it is."""
        base = f"/components/messages/{name}"
        message = self.document["components"]["messages"][name]
        parts: list[tuple[str, str, Any]] = [("headers", f"{base}/headers", record.headers)]
        try:
            parts.append(("payload", f"{base}/payload", json.loads(record.value)))
        except ValueError:
            if "type" in message["payload"]:  # a typed payload must be JSON
                return ["payload: not JSON"]
        if "kafka" in message.get("bindings", {}) and record.key is not None:
            parts.append(("key", f"{base}/bindings/kafka/key", record.key.decode()))
        return [
            f"{part}: {error.message}"
            for part, pointer, instance in parts
            for error in self._validator(pointer).iter_errors(instance)
        ]

    def problems(self, records: list[WireRecord]) -> list[str]:
        """``"<where>: ..."`` for each record of a topic of this document that does not match
        exactly one message of its channel; records of other topics are skipped."""
        found: list[str] = []
        for record in records:
            if not self.covers(record):
                continue
            matched = self.matches(record)
            if len(matched) != 1:
                found.append(f"{record.where}: matches {matched or self._why_not(record)}")
        return found

    def _why_not(self, record: WireRecord) -> str:
        """Why the record is not the message its ``type`` names (or that no message has it)."""
        try:
            event_type = json.loads(record.value).get("type")
        except (ValueError, AttributeError):
            return "no message (the value is no JSON object)"
        for name, message in self.document["components"]["messages"].items():
            if message["name"] == event_type:
                return f"no message; not {name}: {self.mismatches(record, name)}"
        return f"no message (no message is named {event_type!r})"


def _topic(record: WireRecord) -> str:
    return record.where.rsplit("@", 1)[0]
