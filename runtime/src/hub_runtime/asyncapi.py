"""The AsyncAPI 3.0 document of a service, generated from the contracts registry.

Generated from the same pydantic models that validate the events, so it cannot drift from them.
"""

from collections.abc import Sequence
from typing import Any

from hub_contracts.registry import all_payload_classes


def asyncapi_document(
    service: str, publishes: Sequence[str], consumes: Sequence[str]
) -> dict[str, Any]:
    """Channels for every topic the service touches, with the JSON Schema of each event type."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for topic in sorted({*publishes, *consumes}):
        channel_id = topic.replace(".", "_")
        channel_messages: dict[str, Any] = {}
        for payload_class in all_payload_classes():
            if str(payload_class.topic) != topic:
                continue
            message_id = payload_class.__name__
            messages[message_id] = {
                "name": payload_class.event_type,
                "title": message_id,
                "summary": (payload_class.__doc__ or "").strip().split("\n")[0],
                "contentType": "application/json",
                "payload": payload_class.model_json_schema(),
                "headers": {"type": "object", "description": "W3C traceparent/tracestate"},
                "x-schemaversion": payload_class.schema_version,
                "x-key": "the case id (CloudEvents subject)",
            }
            channel_messages[message_id] = {"$ref": f"#/components/messages/{message_id}"}
        channels[channel_id] = {"address": topic, "messages": channel_messages}
        for action, topics in (("send", publishes), ("receive", consumes)):
            if topic in topics:
                operations[f"{action}_{channel_id}"] = {
                    "action": action,
                    "channel": {"$ref": f"#/channels/{channel_id}"},
                }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": f"{service} events",
            "version": "1",
            "description": "Every event travels in the CloudEvents-style envelope of hub_contracts,"
            " keyed by case id. No personal data is ever carried.",
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }
