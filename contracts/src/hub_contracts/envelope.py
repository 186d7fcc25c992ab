"""The one envelope every event travels in, with CloudEvents attribute names.

The envelope is what goes on the wire; the typed payload lives in ``data`` as plain JSON
until :func:`hub_contracts.registry.decode` validates it against the model of ``type``.
That split lets a consumer (or a DLQ tool) read ids, type and subject of any event, even
one whose payload it cannot decode.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal
from uuid import UUID, uuid4

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    field_validator,
)

from hub_contracts.base import ContractError
from hub_contracts.errors import describe_validation_error

if TYPE_CHECKING:
    from hub_contracts.base import EventPayload

DATASCHEMA_PREFIX = "urn:council-hub:schema:"


SOURCE_PREFIX = "urn:council-hub:"
"""Prefix of the hub's CloudEvents ``source``: ``urn:council-hub:<service>``."""

HUB_SERVICES = ("casefile", "referral", "partner-gateway", "signals")
"""The services that produce the hub's events: the only names a ``source`` of theirs carries."""

_HAS_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def source_for(service: str) -> str:
    """The CloudEvents ``source`` of a service's events: ``urn:council-hub:<service>``.

    CloudEvents 1.0 §3.1.1 (``source``): a URI-reference, an absolute URI is RECOMMENDED.
    A value that already is a URI (has a scheme, e.g. ``urn:test``) or a path reference
    (starts with ``/``) is kept as given, so test harnesses and tools may name themselves.
    """
    if _HAS_SCHEME.match(service) or service.startswith("/"):
        return service
    return f"{SOURCE_PREFIX}{service}"


def service_of(source: str) -> str:
    """The service name in a ``source``, for both forms on the topics.

    ``urn:council-hub:casefile`` (new envelopes) and ``casefile`` (records written before the
    hub used URIs; replay from offset 0 still reads them) both give ``casefile``; any other
    value is returned unchanged.
    """
    return source.removeprefix(SOURCE_PREFIX)


def is_service_source(source: str) -> bool:
    """Whether ``source`` is the ``source`` of one of the hub's services (`HUB_SERVICES`), in
    either form on the topics (``urn:council-hub:casefile`` or, before URIs, ``casefile``): a
    closed value. Any other ``source`` (a tool's, a test's) is whatever its producer typed."""
    return service_of(source) in HUB_SERVICES


def dataschema_for(event_type: str, schema_version: int) -> str:
    """The ``dataschema`` URN of a revision; it names the committed schema file."""
    return f"{DATASCHEMA_PREFIX}{event_type}:{schema_version}"


class Envelope(BaseModel):
    """A CloudEvents-shaped envelope (structured mode, JSON) around one payload."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: UUID = Field(description="Unique id of this event; consumers deduplicate on it.")
    source: str = Field(
        min_length=1, description="Producing service, e.g. 'urn:council-hub:casefile'."
    )
    type: str = Field(
        min_length=1,
        description="Event type incl. major version, e.g. 'council.casefile.CaseOpened.v1'.",
    )
    specversion: Literal["1.0"] = Field(default="1.0", description="CloudEvents version.")
    time: AwareDatetime = Field(description="When the fact happened, in UTC.")
    subject: str = Field(
        min_length=1,
        description="The pseudonymous case id (the period for signals); also the Kafka key.",
    )
    dataschema: str = Field(
        min_length=1, description="URN of the payload schema: urn:council-hub:schema:<type>:<rev>."
    )
    schemaversion: int = Field(ge=1, description="Revision of the payload schema within type.")
    correlationid: UUID = Field(description="Id of the first event of this chain of work.")
    causationid: UUID | None = Field(
        default=None, description="Id of the event that directly caused this one, if any."
    )
    data: dict[str, JsonValue] = Field(description="The payload, as JSON.")

    @field_validator("time")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        # Normalised so that two envelopes of the same instant serialise identically.
        return value.astimezone(UTC)

    def to_bytes(self) -> bytes:
        """Compact JSON (no whitespace), UTF-8."""
        return self.model_dump_json().encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes) -> Envelope:
        """Parse wire bytes; raises :class:`ContractError` saying which attribute is wrong."""
        try:
            return cls.model_validate_json(raw)
        except ValidationError as error:
            cause = describe_validation_error(error, whole="the envelope")
            raise ContractError(f"invalid envelope: {cause}") from None

    def kafka_key(self) -> bytes:
        """The Kafka message key: the subject, so one case's events keep their order."""
        return self.subject.encode("utf-8")


def subject_for(payload: EventPayload) -> str:
    """The subject a producer should use: the case id, or the period for signals.

    ``new_envelope`` takes the subject explicitly and does not enforce this (test harnesses
    key events freely); producers should pass ``subject_for(payload)``.
    """
    expected = payload.envelope_subject()
    if expected is None:
        raise ContractError(f"{payload.event_type}: the payload does not determine a subject")
    return expected


def new_envelope(
    payload: EventPayload,
    *,
    source: str,
    subject: str,
    correlationid: UUID | None = None,
    causationid: UUID | None = None,
    time: datetime | None = None,
) -> Envelope:
    """Wrap ``payload`` in a fresh envelope (id = uuid4, time = now unless given).

    ``correlationid`` defaults to the new event's own id: an event without a given
    correlation starts a new chain. ``subject`` should be :func:`subject_for` the payload
    (the case id, or the period for signals). Raises :class:`ContractError` if the envelope
    attributes are invalid (e.g. a naive ``time``).
    """
    event_id = uuid4()
    try:
        return _build(payload, event_id, source, subject, correlationid, causationid, time)
    except ValidationError as error:
        cause = describe_validation_error(error, whole="the envelope")
        raise ContractError(f"invalid envelope: {cause}") from None


def _build(
    payload: EventPayload,
    event_id: UUID,
    source: str,
    subject: str,
    correlationid: UUID | None,
    causationid: UUID | None,
    time: datetime | None,
) -> Envelope:
    return Envelope(
        id=event_id,
        source=source,
        type=payload.event_type,
        time=time if time is not None else datetime.now(UTC),
        subject=subject,
        dataschema=dataschema_for(payload.event_type, payload.schema_version),
        schemaversion=payload.schema_version,
        correlationid=correlationid if correlationid is not None else event_id,
        causationid=causationid,
        data=payload.model_dump(mode="json"),
    )
