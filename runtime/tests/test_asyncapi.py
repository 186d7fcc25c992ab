"""The AsyncAPI generator without the official parser (tests/e2e/test_asyncapi_on_the_wire.py
runs that): references resolve, one message per type, and every type's example envelope, key
and headers satisfy their schemas while a wrong one does not."""

from __future__ import annotations

import json
from typing import Any

import jsonschema_rs
import pytest
from hub_contracts import Topic, new_envelope, subject_for
from hub_contracts.base import EventPayload
from hub_contracts.examples import example_payload
from hub_contracts.registry import all_payload_classes
from hub_runtime.asyncapi import asyncapi_document, channel_id
from hub_runtime.asyncapi_schemas import CLOUDEVENTS_CONTENT_TYPE, message_id
from hub_runtime.kafka import CLOUDEVENTS_JSON
from hub_runtime.settings import HubSettings

SETTINGS = HubSettings(kafka_bootstrap="k1:9092,k2:9092", topic_prefix="t-1.", topic_partitions=6)
ALL = asyncapi_document("everything", list(Topic), list(Topic), SETTINGS)
BASE = "urn:test:asyncapi"
REGISTRY = jsonschema_rs.Registry([(BASE, ALL)])


def validator(pointer: str) -> Any:
    return jsonschema_rs.Draft7Validator(
        {"$ref": f"{BASE}#{pointer}"}, registry=REGISTRY, validate_formats=True
    )


def walk(node: Any, path: str = "") -> list[tuple[str, str, Any]]:
    """Every (path, key, value) of a JSON tree."""
    found: list[tuple[str, str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((path, key, value))
            found += walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += walk(value, f"{path}/{index}")
    return found


def resolve(pointer: str) -> Any:
    node: Any = ALL
    for part in pointer.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_no_defs_remain_and_every_reference_resolves_in_the_document() -> None:
    entries = walk(ALL)
    assert [p for p, key, _ in entries if key == "$defs"] == []
    refs = [value for _, key, value in entries if key == "$ref"]
    assert refs
    for ref in refs:
        assert ref.startswith("#/"), ref
        resolve(ref)  # raises KeyError when dangling


def test_one_message_per_event_type_on_its_topics_channel() -> None:
    messages = ALL["components"]["messages"]
    for cls in all_payload_classes():
        message = messages[message_id(cls)]
        assert message["name"] == cls.event_type
        assert message["contentType"] == CLOUDEVENTS_CONTENT_TYPE == CLOUDEVENTS_JSON
        assert message_id(cls) in ALL["channels"][channel_id(cls.topic)]["messages"]
    assert len(messages) == len(all_payload_classes()) + 1  # and the dead letter


def test_servers_channels_and_operations_follow_the_settings() -> None:
    assert [s["host"] for s in ALL["servers"].values()] == ["k1:9092", "k2:9092"]
    assert {s["protocol"] for s in ALL["servers"].values()} == {"kafka"}
    channel = ALL["channels"]["casefile_events_v1"]
    assert channel["address"] == "t-1.casefile.events.v1"
    assert channel["bindings"]["kafka"]["topic"] == "t-1.casefile.events.v1"
    assert channel["bindings"]["kafka"]["partitions"] == 6
    assert ALL["channels"]["casefile_events_v1_dlq"]["address"] == "t-1.casefile.events.v1.dlq"


def test_a_service_sends_its_topics_and_the_dead_letters_of_what_it_reads() -> None:
    document = asyncapi_document(
        "casefile", [Topic.CASEFILE_EVENTS], [Topic.REFERRAL_EVENTS], SETTINGS
    )
    assert set(document["operations"]) == {
        "send_casefile_events_v1",
        "receive_referral_events_v1",
        "send_referral_events_v1_dlq",
    }
    assert "casefile_events_v1_dlq" not in document["channels"]  # others dead-letter those
    assert set(document["servers"]) == {"kafka1", "kafka2"}


@pytest.mark.parametrize("cls", all_payload_classes(), ids=lambda c: c.event_type)
def test_every_types_example_record_fits_its_message(cls: type[EventPayload]) -> None:
    payload = example_payload(cls)
    envelope = new_envelope(payload, source="urn:council-hub:test", subject=subject_for(payload))
    value = json.loads(envelope.to_bytes())
    base = f"/components/messages/{message_id(cls)}"
    errors = list(validator(f"{base}/payload").iter_errors(value))
    assert errors == [], [e.message for e in errors]
    key = validator(f"{base}/bindings/kafka/key")
    assert key.is_valid(envelope.kafka_key().decode())
    # The key's schema is the subject field's (a uuid, a period), not "any string".
    assert not key.is_valid("x")
    headers = validator(f"{base}/headers")
    assert headers.is_valid({"content-type": CLOUDEVENTS_JSON})
    assert not headers.is_valid({})
    assert not headers.is_valid({"content-type": "application/json"})

    wrong_data = {**value, "data": {**value["data"], "unknown_field": 1}}
    assert not validator(f"{base}/payload").is_valid(wrong_data)
    other = "council.casefile.Nope.v1"
    assert not validator(f"{base}/payload").is_valid({**value, "type": other})
