"""Kafka topic names: the only place where topic strings are spelled out.

Handlers and producers refer to :class:`Topic` members, never to string literals, so a
renamed or re-versioned topic is a one-line change that mypy follows everywhere.
"""

from __future__ import annotations

from enum import StrEnum

_DLQ_SUFFIX = ".dlq"


class Topic(StrEnum):
    """Every topic of the hub; the ``.v1`` suffix is the topic's major version.

    A breaking change to an event gets a new event *type* version (``...CaseOpened.v2``);
    only a change that makes old and new events unable to share a topic (e.g. a new key)
    needs a new topic version here.
    """

    CASEFILE_EVENTS = "casefile.events.v1"
    REFERRAL_EVENTS = "referral.events.v1"
    PARTNER_EVENTS = "partner.events.v1"
    SIGNALS_PUBLISHED = "signals.published.v1"
    # Commands, not facts: counsellors' tools ask referral to act (hub_contracts.commands).
    # Only those tools may write it (Kafka ACLs); referral alone reads it.
    REFERRAL_COMMANDS = "referral.commands.v1"


ALL_TOPICS: tuple[Topic, ...] = tuple(Topic)


def dead_letter_topic(topic: str) -> str:
    """Return the dead-letter topic of ``topic``: ``"<topic>.dlq"``.

    Idempotent on a dead-letter topic: a message that fails while being consumed from a DLQ
    goes back to that same DLQ, never to a ``.dlq.dlq`` chain. It never raises, because it
    is called on the error path of consumers, which must not crash.
    """
    if topic.endswith(_DLQ_SUFFIX):
        return topic
    return f"{topic}{_DLQ_SUFFIX}"


def is_command_topic(topic: str) -> bool:
    """True for a command topic (``referral.commands.v1``, with or without a deployment's
    prefix), not its dead-letter topic: commands are requests applied once, not facts a
    service rebuilds from, so they get a bounded retention (``hub_runtime.kafka``)."""
    return ".commands." in f".{topic}" and not is_dead_letter_topic(topic)


def is_dead_letter_topic(topic: str) -> bool:
    """True for a ``.dlq`` topic; replay tools use it to find the original topic."""
    return topic.endswith(_DLQ_SUFFIX)


def original_topic(dead_letter: str) -> str:
    """Inverse of :func:`dead_letter_topic` (for the replay command)."""
    if not is_dead_letter_topic(dead_letter):
        raise ValueError(f"{dead_letter!r} is not a dead-letter topic")
    return dead_letter.removesuffix(_DLQ_SUFFIX)
