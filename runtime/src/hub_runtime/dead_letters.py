"""Dead letters: written by consumers, inspected and replayed by operators after a fix.

    python -m hub_runtime.dead_letters list referral.events.v1
    python -m hub_runtime.dead_letters replay referral.events.v1 --offset 3 --offset 7
    python -m hub_runtime.dead_letters replay referral.events.v1 --all

Replay republishes the original record (value, key, trace headers) to its original topic. It is
safe to repeat: consumers drop an envelope id they already applied, through their inbox.
Listing prints ids, types, the error and where the record came from; never the payload.
The operators' command is ``hub dead-letters list|show|replay`` (tools/hub-cli), which calls
:func:`load` and :func:`replay`; this module's ``main`` stays as an alias.
"""

import argparse
import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import ConsumerRecord
from faststream.kafka import KafkaBroker
from hub_contracts import ContractError, Envelope
from hub_contracts.topics import dead_letter_topic

from hub_runtime.kafka import make_producer, read_topic
from hub_runtime.settings import HubSettings

_DLQ_HEADER_PREFIX = "dlq-"


class DeadLetterWriter:
    """Writes a record that could not be applied to `<topic>.dlq`, with headers saying why.

    Publishes through the service's FastStream broker (idempotent producer, ``acks=all``) and
    waits for the acknowledgement: the offset is committed only after the dead letter is safe."""

    def __init__(self, broker: KafkaBroker, service: str) -> None:
        self._broker = broker
        self._service = service

    async def send(self, record: ConsumerRecord[bytes, bytes], error: str, attempts: int) -> None:
        """Raises `KafkaError` when Kafka does not take it (the caller retries)."""
        headers = {
            # The record's own headers (trace context, content type) are ASCII by construction.
            **{name: value.decode("utf-8", "replace") for name, value in record.headers or ()},
            "dlq-error": error[:2000],
            "dlq-original-topic": record.topic,
            "dlq-original-partition": str(record.partition),
            "dlq-original-offset": str(record.offset),
            "dlq-attempts": str(attempts),
            "dlq-consumer": self._service,
            "dlq-failed-at": datetime.now(UTC).isoformat(),
        }
        await self._broker.publish(
            record.value or b"",
            topic=dead_letter_topic(record.topic),
            key=record.key,
            headers=headers,
        )


@dataclass(frozen=True)
class DeadLetter:
    """One record of a ``<topic>.dlq`` topic as an operator sees it.

    ``offset`` and ``partition`` are its place in the dead-letter topic (what ``replay --offset``
    names); ``headers`` are its Kafka headers decoded as text (``dlq-error``,
    ``dlq-original-topic``, ...); ``record`` is the raw record, kept to republish it unchanged."""

    offset: int
    partition: int
    headers: dict[str, str]
    record: ConsumerRecord[bytes, bytes]

    def summary(self) -> dict[str, str | int]:
        """What ``list`` prints for the letter: its place in the dead-letter topic, the envelope id
        and type (``?`` when the record does not decode) and the ``dlq-*`` headers without the
        prefix (``error``, ``original-topic``, ...). Never the payload."""
        envelope_id, event_type = "?", "?"
        try:
            envelope = Envelope.from_bytes(self.record.value or b"")
            envelope_id, event_type = str(envelope.id), envelope.type
        except ContractError:
            pass  # undecodable: exactly why it is here
        return {
            "dlq_partition": self.partition,
            "dlq_offset": self.offset,
            "envelope_id": envelope_id,
            "type": event_type,
            **{
                k.removeprefix(_DLQ_HEADER_PREFIX): v
                for k, v in self.headers.items()
                if k.startswith(_DLQ_HEADER_PREFIX)
            },
        }

    def detail(self) -> dict[str, object]:
        """What ``show`` prints: the :meth:`summary`, the record's key (text), its other headers
        (trace context, content type), the size of its value in bytes and, when it decodes, the
        envelope's attributes (``source``, ``subject``, ``time``, ``schemaversion``,
        ``correlationid``, ``causationid``) but never its ``data`` (the payload)."""
        value = self.record.value or b""
        envelope: dict[str, object] = {}
        try:
            decoded = Envelope.from_bytes(value)
            envelope = decoded.model_dump(mode="json", exclude={"data"})
        except ContractError:
            pass  # undecodable: the summary says "?" and the error header says why
        return {
            **self.summary(),
            "key": (self.record.key or b"").decode(errors="replace"),
            "value_bytes": len(value),
            "headers": {
                k: v for k, v in self.headers.items() if not k.startswith(_DLQ_HEADER_PREFIX)
            },
            "envelope": envelope,
        }


async def load(settings: HubSettings, topic: str) -> list[DeadLetter]:
    """Every dead letter of the logical topic ``topic`` (e.g. ``referral.events.v1``), oldest first.

    Reads ``<prefix><topic>.dlq`` from offset 0 without a consumer group until it stays quiet for
    about a second (``hub_runtime.kafka.read_topic``). Kafka errors (broker down) propagate as
    aiokafka's ``KafkaError``."""
    records = await read_topic(settings, dead_letter_topic(settings.topic(topic)))
    return [
        DeadLetter(
            offset=r.offset,
            partition=r.partition,
            headers={k: v.decode(errors="replace") for k, v in r.headers or ()},
            record=r,
        )
        for r in records
    ]


async def replay(
    settings: HubSettings,
    letters: list[DeadLetter],
    on_sent: Callable[[DeadLetter], None] | None = None,
) -> int:
    """Republish each letter to its original topic, in the given order; returns how many were
    sent.

    Each is sent and acknowledged (``acks=all``) before the next; ``on_sent`` is called after
    each acknowledgement (the ``hub dead-letters replay`` progress bar). A letter without a
    ``dlq-original-topic`` header raises ``KeyError`` when its turn comes; Kafka errors
    propagate as aiokafka's ``KafkaError``. The letters sent before stay sent: replaying again
    is safe, consumers drop envelope ids they already applied."""
    producer = make_producer(settings, client_id="dlq-replay")
    await producer.start()
    try:
        for letter in letters:
            original_topic = letter.headers["dlq-original-topic"]
            headers = [
                (k, v)
                for k, v in letter.record.headers or ()
                if not k.startswith(_DLQ_HEADER_PREFIX)
            ]
            headers.append(("dlq-replayed-from", f"{letter.partition}:{letter.offset}".encode()))
            await producer.send_and_wait(
                original_topic, value=letter.record.value, key=letter.record.key, headers=headers
            )
            if on_sent is not None:
                on_sent(letter)
    finally:
        await producer.stop()
    return len(letters)


async def _main(args: argparse.Namespace) -> None:
    settings = HubSettings()
    letters = await load(settings, args.topic)
    if args.command == "list":
        for letter in letters:
            print(json.dumps(letter.summary()))
        print(f"{len(letters)} dead letter(s) for {args.topic}")
        return
    chosen = letters if args.all else [x for x in letters if x.offset in set(args.offset or [])]
    print(f"replayed {await replay(settings, chosen)} dead letter(s) to their original topic")


def main() -> None:
    """``python -m hub_runtime.dead_letters list|replay <topic> [--offset N ...] [--all]``.

    ``list`` prints one JSON summary per dead letter (ids, type, the ``dlq-*`` headers; never the
    payload); ``replay`` republishes the chosen letters to their original topic (see the module)."""
    parser = argparse.ArgumentParser(description="Inspect and replay dead letters")
    parser.add_argument("command", choices=["list", "replay"])
    parser.add_argument("topic", help="the original topic, e.g. referral.events.v1")
    parser.add_argument("--offset", type=int, action="append", help="dead-letter offset to replay")
    parser.add_argument("--all", action="store_true", help="replay every dead letter")
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
