"""The AsyncAPI 3.0 document of a service, generated from the contracts registry.

Generated from the same pydantic models that validate the events, so it cannot drift from them:
one message per event type (the type name carries the major version), whose payload is the
record's value as it is on the wire (the CloudEvents envelope with its typed ``data``), with the
record key's and headers' schemas in the Kafka message binding; a channel per topic the service
reads or writes and per dead-letter topic it writes; the broker(s) as ``servers``.
The official AsyncAPI parser accepts it with no error (tests/e2e/test_asyncapi_on_the_wire.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub_contracts.registry import all_payload_classes
from hub_contracts.topics import dead_letter_topic

from hub_runtime.asyncapi_schemas import (
    CLOUDEVENTS_CONTENT_TYPE,
    DEAD_LETTER_HEADERS,
    DEAD_LETTER_PAYLOAD,
    Components,
    envelope_headers,
    envelope_payload,
    key_schema,
    message_id,
)
from hub_runtime.settings import HubSettings

ASYNCAPI_VERSION = "3.1.0"
KAFKA_BINDING_VERSION = "0.5.0"
"""Kafka bindings for AsyncAPI 3.0 (github.com/asyncapi/bindings, kafka/README.md)."""

Document = dict[str, Any]


def channel_id(topic: str) -> str:
    """``casefile.events.v1`` -> ``casefile_events_v1`` (logical name, without the prefix)."""
    return topic.replace(".", "_")


def asyncapi_document(
    service: str,
    publishes: Sequence[str],
    consumes: Sequence[str],
    settings: HubSettings,
) -> Document:
    """The AsyncAPI 3.0 document of ``service``, which writes ``publishes`` and reads
    ``consumes`` (logical topic names, as ``hub_contracts.Topic``) and writes the dead-letter
    topic (``<topic>.dlq``) of each topic it reads.

    ``settings`` (the service's) give the brokers (``servers``), the topic
    prefix of the channels' addresses and the partition count and replication factor of the
    topics the hub creates (``hub_runtime.kafka.ensure_topics``).
    Raises ``ValueError`` when two models define different schemas under one name that cannot
    be told apart (a bug in the contracts)."""
    components = Components()
    messages: Document = {}
    channels: Document = {}
    operations: Document = {}
    for topic in sorted({*publishes, *consumes}):
        refs = _event_messages(topic, components, messages)
        channels[channel_id(topic)] = _channel(settings, topic, refs)
        for action, topics in (("send", publishes), ("receive", consumes)):
            if topic in topics:
                operations[f"{action}_{channel_id(topic)}"] = _operation(action, topic, refs)
    if consumes:
        messages["DeadLetter"] = _dead_letter_message()
    for topic in sorted(set(consumes)):
        dlq = dead_letter_topic(topic)
        refs = {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}}
        channels[channel_id(dlq)] = _channel(settings, dlq, refs)
        operations[f"send_{channel_id(dlq)}"] = _operation("send", dlq, refs)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": f"{service} events",
            "version": "1",
            "description": "Every record's value is a CloudEvent in structured mode (the"
            " envelope of hub_contracts, JSON), keyed by its subject (the case id). No personal"
            " data is ever carried.",
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": _servers(settings),
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": components.schemas},
    }


def _event_messages(topic: str, components: Components, messages: Document) -> Document:
    """Adds the message of every type travelling on ``topic``; returns the channel's refs."""
    refs: Document = {}
    for cls in all_payload_classes():
        if str(cls.topic) != topic:
            continue
        name = message_id(cls)
        payload = envelope_payload(cls, components)
        messages[name] = {
            "name": cls.event_type,
            "title": name,
            "summary": (cls.__doc__ or "").strip().split("\n")[0],
            "contentType": CLOUDEVENTS_CONTENT_TYPE,
            "headers": envelope_headers(),
            "payload": payload,
            "bindings": {
                "kafka": {
                    "key": key_schema(cls, components),
                    "bindingVersion": KAFKA_BINDING_VERSION,
                }
            },
            "x-schemaversion": cls.schema_version,
        }
        refs[name] = {"$ref": f"#/components/messages/{name}"}
    return refs


def _dead_letter_message() -> Document:
    return {
        "name": "DeadLetter",
        "title": "Dead letter",
        "summary": "A record a consumer could not apply, with the reason in its headers.",
        "description": "Inspect and replay with `hub dead-letters list|show|replay`.",
        "headers": DEAD_LETTER_HEADERS,
        "payload": DEAD_LETTER_PAYLOAD,
        "bindings": {
            "kafka": {
                "key": {
                    "type": "string",
                    "description": "The original record's key when it is id-shaped (a canonical"
                    " UUID or a period YYYY-MM); else a keyed hash of it (32 hex digits), the key"
                    " itself being sealed with the value (dlq-sealed v2).",
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _channel(settings: HubSettings, topic: str, refs: Document) -> Document:
    address = settings.topic(topic)
    return {
        "address": address,
        "messages": refs,
        "bindings": {
            "kafka": {
                "topic": address,
                "partitions": settings.topic_partitions,
                "replicas": settings.kafka_replication_factor,
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _operation(action: str, topic: str, refs: Document) -> Document:
    return {
        "action": action,
        "channel": {"$ref": f"#/channels/{channel_id(topic)}"},
        "messages": [{"$ref": f"#/channels/{channel_id(topic)}/messages/{m}"} for m in refs],
    }


def _servers(settings: HubSettings) -> Document:
    hosts = [h.strip() for h in settings.kafka_bootstrap.split(",") if h.strip()]
    return {
        f"kafka{i}" if len(hosts) > 1 else "kafka": {
            "host": host,
            "protocol": "kafka",
            "description": "A bootstrap broker of the hub's Kafka cluster.",
        }
        for i, host in enumerate(hosts, start=1)
    }
