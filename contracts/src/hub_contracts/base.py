"""The base class of every event payload and the one error type of this package."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from hub_contracts.topics import Topic


class ContractError(ValueError):
    """An event does not satisfy its contract.

    The message is meant for people (logs, dead-letter headers): it names the event type,
    the field and the problem. It never contains field *values*, so that it is safe to log
    even when a producer mistakenly put personal data into an event.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class EventPayload(BaseModel):
    """Payload of one event type at one revision.

    ``frozen`` because an event is a fact; ``extra="forbid"`` because an unknown field means
    the reader and the writer disagree about the contract, and we want to hear about that
    instead of silently dropping data (this is also why nearly every field change is breaking).

    Subclasses set three class variables:

    - ``event_type``: the CloudEvents type, e.g. ``"council.casefile.CaseOpened.v1"``; the
      trailing major version is part of the name, so a breaking change is a new type.
    - ``schema_version``: a revision within that type, starting at 1; only compatible
      (FULL_TRANSITIVE) changes get a new revision.
    - ``topic``: the topic the producer publishes this event on.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    schema_version: ClassVar[int]
    topic: ClassVar[Topic]

    def envelope_subject(self) -> str | None:
        """The subject (Kafka key) this event must travel under, if the payload implies one.

        For case events it is the case id, which keeps one case's events in order on one
        partition. ``None`` means the payload does not determine the subject.
        """
        case_id = getattr(self, "case_id", None)
        return None if case_id is None else str(case_id)
