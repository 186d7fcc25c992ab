"""Turning a Kafka record into an envelope and its registered payload, or a `ContractError`
whose message says why (it becomes the dead letter's ``dlq-error``; it never echoes the input).
"""

import functools
from typing import TypeAlias

from aiokafka import ConsumerRecord
from hub_contracts import ContractError, EventPayload
from hub_contracts.envelope import Envelope
from hub_contracts.registry import decode
from hub_contracts.topics import Topic

from hub_runtime import strict_json
from hub_runtime.record_headers import check_headers

Record: TypeAlias = "ConsumerRecord[bytes, bytes]"


def decode_record(record: Record) -> tuple[Envelope, EventPayload]:
    """The record's envelope and payload. Raises `UnexpectedHeaderError` (a `ContractError`)
    for a header the hub does not send (`hub_runtime.record_headers`), `ContractError` for an
    empty value, a value
    that is not strict JSON (``duplicate_key: ...`` for a member name twice at any depth,
    ``invalid_json: ...``; see `hub_runtime.strict_json`), an envelope or payload that does
    not validate, an unknown type, or a type that does not belong on the hub topic it came on
    (a ``CaseOpened`` on ``partner.events.v1`` is a bug or an impostor: applied, it would open
    a case casefile never had)."""
    check_headers(record.headers)
    if record.value is None:
        raise ContractError("empty record value")
    try:
        # Strictly first (`hub_runtime.strict_json`, the HTTP edge's rules): pydantic's parser
        # keeps the last of two same-named members, and an event with two `case_id` is
        # ambiguous, not an event to apply.
        strict_json.loads(record.value)
    except strict_json.StrictJsonError as refused:
        raise ContractError(f"{refused.code}: record value: {refused.problem}") from None
    envelope = Envelope.from_bytes(record.value)
    payload = decode(envelope)
    home = _hub_topic(record.topic)
    if home is not None and home is not payload.topic:
        raise ContractError(f"wrong topic: {envelope.type} belongs on {payload.topic}, not {home}")
    return envelope, payload


def decodable_prefix(records: list[Record]) -> list[tuple[Record, Envelope, EventPayload]]:
    """The records before the first one that does not decode, decoded."""
    prefix = []
    for record in records:
        try:
            envelope, payload = decode_record(record)
        except ContractError:
            break
        prefix.append((record, envelope, payload))
    return prefix


@functools.cache  # once per topic name, not per record: this runs on every record
def _hub_topic(name: str) -> Topic | None:
    """The hub topic a Kafka topic name is (with or without a deployment's prefix), or None for
    a topic of the hub's own tests and tools."""
    for topic in Topic:
        if name == topic.value or name.endswith(f".{topic.value}"):
            return topic
    return None
