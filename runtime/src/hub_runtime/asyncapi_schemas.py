"""The JSON Schemas of the AsyncAPI documents: what a record's value, key and headers are.

AsyncAPI 3.0 resolves a ``$ref`` from the document's root (AsyncAPI 3.0.0, "Reference Object"),
so the ``$defs`` pydantic puts inside each model's schema are hoisted into
``components/schemas`` and every reference is rewritten to point there. The schemas stay in
the AsyncAPI Schema format, a superset of JSON Schema Draft 07 (the pydantic output the hub
uses has no keyword newer than Draft 07).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hub_contracts.base import EventPayload
from hub_contracts.compat import short_name
from hub_contracts.envelope import Envelope, dataschema_for
from hub_contracts.examples import example_payload

Schema = dict[str, Any]

SCHEMAS = "#/components/schemas/"
_DEFS = "#/$defs/"

CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json; charset=UTF-8"
"""The ``content-type`` header of every record the hub writes: structured mode (CloudEvents
Kafka protocol binding 1.0, §3.2). Kept equal to ``hub_runtime.kafka.CLOUDEVENTS_JSON``
(a unit test checks it; importing it here would pull aiokafka into the document's module)."""

# W3C Trace Context (https://www.w3.org/TR/trace-context/ §3.2): version 00, trace id,
# parent id, flags; lower-case hex.
TRACEPARENT = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"


def message_id(cls: type[EventPayload]) -> str:
    """The component name of a type's message: ``<producer>.<Name>.v<major>`` (e.g.
    ``casefile.CaseOpened.v1``); unique, because the event type is."""
    return ".".join(cls.event_type.split(".")[1:])


class Components:
    """``components/schemas`` being filled: each model's ``$defs`` are hoisted under their
    own name, or under ``<owner>.<name>`` when another model already took that name with a
    different schema, and the references inside are rewritten."""

    def __init__(self) -> None:
        self.schemas: dict[str, Schema] = {}

    def add(self, name: str, schema: Schema) -> str:
        """Hoist ``schema``'s ``$defs``, store the rest as ``name``; returns its reference."""
        self.schemas[name] = self.hoist(name, schema)
        return SCHEMAS + name

    def hoist(self, owner: str, schema: Schema) -> Schema:
        """``schema`` without ``$defs``, its references pointing into the components."""
        schema = copy.deepcopy(schema)
        definitions: dict[str, Schema] = schema.pop("$defs", {})
        renamed = {name: self._free_name(owner, name, body) for name, body in definitions.items()}

        def rewrite(ref: str) -> str:
            if ref.startswith(_DEFS):
                return SCHEMAS + renamed[ref.removeprefix(_DEFS)]
            return ref

        for name, body in definitions.items():
            self.schemas[renamed[name]] = _rewrite_refs(body, rewrite)
        hoisted: Schema = _rewrite_refs(schema, rewrite)
        return hoisted

    def _free_name(self, owner: str, name: str, body: Schema) -> str:
        # The same definition again (a shared vocabulary such as DataCategory) is shared; one
        # that refers to other definitions is not, since those may be renamed differently.
        shareable = "$ref" not in str(body)
        for candidate in (name, f"{owner}.{name}"):
            if candidate not in self.schemas or (shareable and self.schemas[candidate] == body):
                return candidate
        raise ValueError(f"{owner}: two different schemas named {name!r}")


def _rewrite_refs(node: Any, rewrite: Callable[[str], str]) -> Any:
    if isinstance(node, dict):
        return {
            key: rewrite(value)
            if key == "$ref" and isinstance(value, str)
            else _rewrite_refs(value, rewrite)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item, rewrite) for item in node]
    return node


def envelope_payload(cls: type[EventPayload], components: Components) -> Schema:
    """The schema of a record's value: the CloudEvents envelope (``hub_contracts.Envelope``)
    whose ``type`` is this event type, whose ``data`` is this type's payload, and whose
    ``schemaversion`` is a revision up to the current one (revisions of a type are compatible
    both ways, see contracts/README.md), with the matching ``dataschema`` URN."""
    name = message_id(cls)
    data_ref = components.add(f"{name}.data", cls.model_json_schema())
    envelope = components.hoist("Envelope", Envelope.model_json_schema())
    properties: Schema = envelope["properties"]
    properties["type"] = {"const": cls.event_type, "description": properties["type"]["description"]}
    properties["schemaversion"] = {**properties["schemaversion"], "maximum": cls.schema_version}
    properties["dataschema"] = {
        "enum": [dataschema_for(cls.event_type, r) for r in range(1, cls.schema_version + 1)],
        "description": properties["dataschema"]["description"],
    }
    properties["data"] = {"$ref": data_ref}
    envelope["title"] = f"{short_name(cls.event_type)} envelope"
    envelope["description"] = (
        f"The record's value: a CloudEvent in structured mode (JSON event format) whose data is"
        f" a {cls.event_type} payload, revision {cls.schema_version} or earlier."
    )
    return envelope


def key_schema(cls: type[EventPayload], components: Components) -> Schema:
    """The schema of the record key: the envelope's subject as UTF-8 text (the case id, the
    partner id for the directory, the period for signals: ``EventPayload.envelope_subject``).

    Found as the payload field whose value the subject is, on the type's example payload, so
    it follows the code; a type whose subject is no single field gets a plain string. Call
    after :func:`envelope_payload` (it reads the hoisted payload schema)."""
    example = example_payload(cls)
    subject = example.envelope_subject()
    values = example.model_dump(mode="json")
    fields = [f for f, value in values.items() if isinstance(value, str) and value == subject]
    if subject is None or len(fields) != 1:
        return {"type": "string", "minLength": 1, "description": "The envelope's subject."}
    data = components.schemas[f"{message_id(cls)}.data"]
    return {
        **data["properties"][fields[0]],
        "description": f"The envelope's subject, the payload's {fields[0]} as UTF-8 text:"
        " one key's records keep their order on one partition.",
    }


def envelope_headers() -> Schema:
    """The headers of a record the hub writes: its content type and the W3C trace context."""
    return {
        "type": "object",
        "required": ["content-type"],
        "properties": {
            "content-type": {
                "const": CLOUDEVENTS_CONTENT_TYPE,
                "description": "Structured mode (CloudEvents Kafka protocol binding §3.2).",
            },
            "traceparent": {
                "type": "string",
                "pattern": TRACEPARENT,
                "description": "W3C Trace Context of the producing request or event.",
            },
            "correlation_id": {
                "type": "string",
                "format": "uuid",
                "description": "Set by FastStream, the services' Kafka client, on every record"
                " it sends (a fresh id per record); not the envelope's correlationid.",
            },
            "dlq-replayed-from": {
                "type": "string",
                "pattern": "^[0-9]+:[0-9]+$",
                "description": "On a record replayed from the dead letters: where the letter"
                " was (partition:offset of the dead-letter topic).",
            },
        },
    }


DEAD_LETTER_HEADERS: Schema = {
    "type": "object",
    "description": "Of the original record's headers, traceparent, content-type and"
    " correlation_id, each only in its standard shape (any other could carry a typed value),"
    " and why it failed (hub_runtime.dead_letters.DeadLetterWriter).",
    "required": [
        "dlq-sealed",
        "dlq-key-id",
        "dlq-error",
        "dlq-original-topic",
        "dlq-original-partition",
        "dlq-original-offset",
        "dlq-attempts",
        "dlq-consumer",
        "dlq-failed-at",
    ],
    "properties": {
        "dlq-error": {
            "type": "string",
            "maxLength": 2000,
            "description": "Why the record could not be applied (never a field's value).",
        },
        "dlq-original-topic": {"type": "string", "minLength": 1},
        "dlq-original-id": {
            "type": "string",
            "format": "uuid",
            "description": "The original envelope's id, when the value reads as JSON with a"
            " canonical UUID id: a tool finds its command's dead letter by it without opening"
            " the sealed value.",
        },
        "dlq-original-partition": {"type": "string", "pattern": "^[0-9]+$"},
        "dlq-original-offset": {"type": "string", "pattern": "^[0-9]+$"},
        "dlq-attempts": {"type": "string", "pattern": "^[1-9][0-9]*$"},
        "dlq-consumer": {"type": "string", "minLength": 1, "description": "The service."},
        "dlq-failed-at": {"type": "string", "format": "date-time"},
        "dlq-sealed": {
            "enum": ["v1", "v2"],
            "description": "The value is sealed (hub_runtime.dead_letter_seal): v1 is a 12-byte"
            " nonce, then the AES-256-GCM ciphertext of the original value with its 16-byte tag,"
            " bound to dlq-original-topic, -partition and -offset; v2 the same over the original"
            " key and value together (the key's length as 4 bytes big-endian, the key, the"
            " value), for a record whose key is not id-shaped. Absent only on letters written"
            " before sealing, whose value is the original bytes.",
        },
        "dlq-key-id": {
            "type": "string",
            "pattern": "^[0-9a-f]{16}$",
            "description": "Which dead-letter key sealed the value (a fingerprint, not the key):"
            " HUB_DEAD_LETTER_KEY, or HUB_DEAD_LETTER_PREVIOUS_KEY after a rotation.",
        },
        "content-type": {"type": "string", "description": "The original record's, if any."},
        "traceparent": {"type": "string", "pattern": TRACEPARENT},
        "correlation_id": {"type": "string", "description": "FastStream's id of this record."},
    },
}

DEAD_LETTER_PAYLOAD: Schema = {
    "description": "The original record's value sealed (see the dlq-sealed header): binary,"
    " never the plaintext, since a record can be dead-lettered exactly because it carries a"
    " personal value it should not. Opened, it is the original value unchanged (usually an"
    " envelope, possibly not JSON at all); replay republishes that.",
}
