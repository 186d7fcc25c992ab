"""Maps event types to payload classes and decodes envelopes into typed payloads."""

from __future__ import annotations

import re
from typing import TypeVar

from pydantic import ValidationError

from hub_contracts.base import ContractError, EventPayload
from hub_contracts.envelope import Envelope, dataschema_for
from hub_contracts.errors import describe_validation_error
from hub_contracts.topics import Topic

P = TypeVar("P", bound=type[EventPayload])

# council.<producer>.<EventName>.v<major>: the major version is part of the type name.
EVENT_TYPE_PATTERN = re.compile(r"^council\.[a-z][a-z_]*\.[A-Z][A-Za-z0-9]*\.v[1-9][0-9]*$")

_REGISTRY: dict[str, type[EventPayload]] = {}


def _validate_class(cls: type[EventPayload]) -> None:
    event_type = getattr(cls, "event_type", None)
    if not isinstance(event_type, str) or not EVENT_TYPE_PATTERN.match(event_type):
        raise ContractError(
            f"{cls.__name__}: event_type must look like 'council.<producer>.<Name>.v<major>'"
        )
    version = getattr(cls, "schema_version", None)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ContractError(f"{cls.__name__}: schema_version must be an int >= 1")
    if not isinstance(getattr(cls, "topic", None), Topic):
        raise ContractError(f"{cls.__name__}: topic must be a Topic member")
    if event_type in _REGISTRY and _REGISTRY[event_type] is not cls:
        raise ContractError(f"event type {event_type!r} is registered twice")


def register(cls: P) -> P:
    """Class decorator: validate the class variables and make the type decodable."""
    _validate_class(cls)
    _REGISTRY[cls.event_type] = cls
    return cls


def payload_class(event_type: str) -> type[EventPayload]:
    """The payload class of ``event_type``; raises :class:`ContractError` if unknown, without
    quoting it: a type not in the registry is not a closed code but whatever a producer typed,
    and the message becomes a dead letter's ``dlq-error`` header, stored in clear."""
    try:
        return _REGISTRY[event_type]
    except KeyError:
        raise ContractError("unknown event type (not one of the hub's registered types)") from None


def is_registered(event_type: str) -> bool:
    """Whether ``event_type`` is one of the registered (closed) event types."""
    return event_type in _REGISTRY


def registered_dataschema(event_type: str, schema_version: int) -> str | None:
    """The ``dataschema`` the registry gives revision ``schema_version`` of ``event_type`` (a
    closed value: it names a committed schema file), or None when the type is not registered or
    has no such revision."""
    cls = _REGISTRY.get(event_type)
    if cls is None or not 1 <= schema_version <= cls.schema_version:
        return None
    return dataschema_for(event_type, schema_version)


def all_payload_classes() -> list[type[EventPayload]]:
    """Every registered payload class, ordered by event type (stable for schema output)."""
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


def _check_version(envelope: Envelope, cls: type[EventPayload]) -> None:
    # An older reader cannot promise to understand a newer revision: deploy readers first.
    if envelope.schemaversion > cls.schema_version:
        raise ContractError(
            f"{envelope.type}: schemaversion {envelope.schemaversion} is newer than the known "
            f"revision {cls.schema_version}; upgrade hub-contracts in this consumer"
        )


def decode(envelope: Envelope) -> EventPayload:
    """Validate ``envelope.data`` against the model of ``envelope.type``.

    Raises :class:`ContractError` for an unknown type, a future schema revision, or data
    that does not fit the model (naming each field and problem, never the values).
    """
    cls = payload_class(envelope.type)
    _check_version(envelope, cls)
    try:
        return cls.model_validate(envelope.data)
    except ValidationError as error:
        raise ContractError(f"{envelope.type}: {describe_validation_error(error)}") from None
