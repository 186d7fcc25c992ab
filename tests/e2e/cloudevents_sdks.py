"""Records read from Kafka, parsed by the official CloudEvents SDKs in structured mode.

Kafka protocol binding (CloudEvents 1.0, kafka-protocol-binding.md §3.2): a record is a
structured-mode event when its ``content-type`` header is ``application/cloudevents+json``;
the value is then the whole event in the JSON event format. Each function returns one
problem per record that does not parse (``"<where>: <why>"``), so a test asserts ``== []``.
"""

from __future__ import annotations

import base64
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from aiokafka import ConsumerRecord
from cloudevents.core.bindings.kafka import KafkaMessage, from_structured
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

STRUCTURED_JSON = "application/cloudevents+json"
TOOLS = Path(__file__).resolve().parents[2] / "tools" / "standards"
"""Where infra/standards.sh installs the JavaScript SDK (`npm ci` from the lock file)."""


@dataclass(frozen=True)
class WireRecord:
    """A record as it was on a topic: ``where`` is ``<topic>@<partition>:<offset>``."""

    where: str
    key: bytes | None
    value: bytes
    headers: dict[str, str]

    @classmethod
    def of(cls, topic: str, record: ConsumerRecord[bytes, bytes]) -> WireRecord:
        """The record's key, value and headers (header values decoded as UTF-8)."""
        headers = {name: (value or b"").decode() for name, value in record.headers}
        where = f"{topic}@{record.partition}:{record.offset}"
        return cls(where, record.key, record.value or b"", headers)


def python_sdk_problems(records: list[WireRecord]) -> list[str]:
    """The Python SDK's structured-mode parse (``cloudevents.core.bindings.kafka``), which
    validates every attribute (required ones, types, extension names, ``time``). The SDK
    itself does not look at ``content-type`` in ``from_structured``, so the mode is checked
    here as the binding defines it."""
    problems: list[str] = []
    for record in records:
        content_type = record.headers.get("content-type", "")
        if not content_type.startswith(STRUCTURED_JSON):
            problems.append(f"{record.where}: content-type {content_type!r}: not structured mode")
            continue
        message = KafkaMessage(
            headers={k: v.encode() for k, v in record.headers.items()},
            key=record.key,
            value=record.value,
        )
        try:
            from_structured(message, JSONFormat(), CloudEvent)
        except Exception as error:  # the SDK raises several types; each is a finding
            problems.append(f"{record.where}: {type(error).__name__}: {error}")
    return problems


def javascript_sdk_problems(records: list[WireRecord]) -> list[str]:
    """The JavaScript SDK's ``Kafka.toEvent`` then its spec validation, run with node
    (tools/standards/cloudevents-check.js)."""
    payload = [
        {
            "where": r.where,
            "key": None if r.key is None else base64.b64encode(r.key).decode(),
            "value": base64.b64encode(r.value).decode(),
            "headers": r.headers,
        }
        for r in records
    ]
    done = subprocess.run(
        ["node", str(TOOLS / "cloudevents-check.js")],  # node from PATH, as npm
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=TOOLS,
        timeout=120,
        check=False,
    )
    if not done.stdout:
        return [f"node failed ({done.returncode}): {done.stderr.strip()}"]
    results = json.loads(done.stdout)
    return [f"{r['where']}: {r['error']}" for r in results if not r["ok"]]
