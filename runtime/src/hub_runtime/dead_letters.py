"""Dead letters: written by consumers, inspected and replayed by operators after a fix.

    python -m hub_runtime.dead_letters list referral.events.v1
    python -m hub_runtime.dead_letters replay referral.events.v1 --offset 3 --offset 7
    python -m hub_runtime.dead_letters replay referral.events.v1 --all

Replay republishes the original record (value, key, trace headers) to its original topic, once
per original record: the letters several consumers wrote for one record, and the letters of its
earlier replays, are one record (same topic, key and bytes). It is safe to repeat: consumers
drop an envelope id they already applied, through their inbox.
The value is stored sealed (`hub_runtime.dead_letter_seal`, ``HUB_DEAD_LETTER_KEY``), with the
record key when that key is not id-shaped: listing, showing and replaying open it with the same
key. Listing prints ids, types, the error and where the record came from; never the payload.
The operators' command is ``hub dead-letters list|show|replay`` (tools/hub-cli), which calls
:func:`load` and :func:`replay`; this module's ``main`` stays as an alias.
"""

import argparse
import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import ConsumerRecord
from faststream.kafka import KafkaBroker
from hub_contracts import ContractError, Envelope
from hub_contracts.envelope import is_service_source
from hub_contracts.registry import is_registered, registered_dataschema
from hub_contracts.topics import dead_letter_topic

from hub_runtime import strict_json
from hub_runtime.dead_letter_seal import DeadLetterKeyError, DeadLetterSealer
from hub_runtime.kafka import make_producer, read_topic
from hub_runtime.producer_renewal import PRODUCER_STATE_LOST, renew_producer
from hub_runtime.record_headers import CONTENT_TYPE, TRACEPARENT, UUID
from hub_runtime.settings import HubSettings

_DLQ_HEADER_PREFIX = "dlq-"
_KEPT_HEADERS: dict[str, re.Pattern[str]] = {
    "traceparent": TRACEPARENT,
    "content-type": CONTENT_TYPE,
    "correlation_id": UUID,
}
"""The original headers a dead letter keeps in clear, each only in its standard shape: the
headers hub producers set. Any other header, or one of these in another shape, could carry
whatever a producer typed (a name, say) and is not copied (replay republishes without it)."""


def value_free_headers(headers: list[tuple[str, bytes]] | None) -> dict[str, str]:
    """Of a record's Kafka ``headers``, those `_KEPT_HEADERS` allows, decoded."""
    kept: dict[str, str] = {}
    for name, raw in headers or ():
        shape = _KEPT_HEADERS.get(name)
        text = raw.decode("ascii", "replace")
        if shape is not None and shape.fullmatch(text):
            kept[name] = text
    return kept


def original_id(value: bytes | None) -> str | None:
    """The envelope id of a record's value when it reads as JSON whose ``id`` is a UUID in
    canonical form (lower case, 8-4-4-4-12), else None: the one attribute a tool needs to find
    its command's dead letter without opening the sealed value, and never a personal value."""
    try:
        # The strict decode: it refuses (StrictJsonError, a ValueError) what json.loads would
        # raise RecursionError on, such as a value nested too deeply, which is a reason to be
        # dead-lettered and must not stop the dead-lettering.
        found = strict_json.loads(value or b"").get("id")
    except (ValueError, AttributeError):
        return None
    return found if isinstance(found, str) and UUID.fullmatch(found) else None


class DeadLetterWriter:
    """Writes a record that could not be applied to `<topic>.dlq`, with headers saying why.

    The record's value is sealed (`hub_runtime.dead_letter_seal`), with its key when the key is
    not id-shaped: a personal value a producer wrongly sent (in the value or as the key) never
    sits in the dead-letter topic in plaintext. Publishes through the
    service's FastStream broker (idempotent producer, ``acks=all``) and waits for the
    acknowledgement: the offset is committed only after the dead letter is safe."""

    def __init__(self, broker: KafkaBroker, service: str, sealer: DeadLetterSealer) -> None:
        self._broker = broker
        self._service = service
        self._sealer = sealer

    async def send(self, record: ConsumerRecord[bytes, bytes], error: str, attempts: int) -> None:
        """Raises `KafkaError` when Kafka does not take it (the caller retries; after an error
        that leaves the producer unable to send, the broker gets a new producer first).

        ``error`` becomes the ``dlq-error`` header (at most 2000 characters): callers pass codes,
        field names and exception types, never values (`hub_contracts.ContractError`)."""
        sealed = self._sealer.seal_record(
            record.key, record.value or b"", record.topic, record.partition, record.offset
        )
        envelope_id = original_id(record.value)
        headers = {
            **value_free_headers(record.headers),
            **({"dlq-original-id": envelope_id} if envelope_id else {}),
            "dlq-error": error[:2000],
            "dlq-original-topic": record.topic,
            "dlq-original-partition": str(record.partition),
            "dlq-original-offset": str(record.offset),
            "dlq-attempts": str(attempts),
            "dlq-consumer": self._service,
            "dlq-failed-at": datetime.now(UTC).isoformat(),
            **sealed.headers,
        }
        try:
            await self._broker.publish(
                sealed.value,
                topic=dead_letter_topic(record.topic),
                key=sealed.key,
                headers=headers,
            )
        except PRODUCER_STATE_LOST:
            # That producer would refuse every later letter too (hub_runtime.producer_renewal):
            # the caller's retry goes through a new one.
            await renew_producer(self._broker)
            raise


_ID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9]{4}-[0-9]{2}", re.I
)


def shown_id(text: str) -> str:
    """``text`` when it has the shape of what a record key or envelope subject must be (a uuid,
    or a signals period ``YYYY-MM``), else a placeholder giving only its length: a producer that
    keyed a record by something else may have keyed it by a personal value."""
    return text if _ID.fullmatch(text) else f"(hidden: {len(text)} characters, not an id)"


@dataclass(frozen=True)
class DeadLetter:
    """One record of a ``<topic>.dlq`` topic as an operator sees it.

    ``offset`` and ``partition`` are its place in the dead-letter topic (what ``replay --offset``
    names); ``headers`` are its Kafka headers decoded as text (``dlq-error``,
    ``dlq-original-topic``, ``dlq-sealed``, ...); ``record`` is the raw record (its value sealed
    unless written before sealing); ``value`` the original record value, opened, or None when
    it could not be opened (``unopened`` says why); ``key`` the original record key (opened from
    the seal when it was sealed; None also when the letter could not be opened)."""

    offset: int
    partition: int
    headers: dict[str, str]
    record: ConsumerRecord[bytes, bytes]
    value: bytes | None
    unopened: str | None = None
    key: bytes | None = None

    def original(self) -> tuple[str, bytes | None, bytes | None]:
        """What identifies the original record for a replay: its topic, key and bytes. The
        letters several consumers wrote for one record, and those of its replays, share it."""
        return self.headers.get("dlq-original-topic", ""), self.key, self.value

    def summary(self) -> dict[str, str | int]:
        """What ``list`` prints for the letter: its place in the dead-letter topic, the envelope id
        and type (``?`` when the record does not decode or could not be opened), the ``dlq-*``
        headers without the prefix (``error``, ``original-topic``, ``sealed``, ...) and, for a
        letter that could not be opened, ``unopened`` (why). Never the payload."""
        envelope_id, event_type = "?", "?"
        try:
            envelope = Envelope.from_bytes(self.value or b"")
            envelope_id = str(envelope.id)
            # Only a registered type is a closed code; any other is whatever a producer typed.
            event_type = envelope.type if is_registered(envelope.type) else "? (not registered)"
        except ContractError:
            pass  # undecodable: exactly why it is here
        problem = {} if self.unopened is None else {"unopened": self.unopened}
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
            **problem,
        }

    def detail(self) -> dict[str, object]:
        """What ``show`` prints: the :meth:`summary`, the original record's key (`shown_id`;
        ``(sealed)`` when the letter could not be opened), its other headers (trace context,
        content type), the size of its original value in bytes (None when it could not be
        opened) and, when it decodes, the envelope's attributes but never its ``data`` (the
        payload). Free strings are printed only when they are closed values: ``subject`` as
        `shown_id`, ``source`` only when it is a hub service's (`is_service_source`),
        ``dataschema`` only when it is the one the registry gives that type and revision, ``type``
        only when registered; else a placeholder in parentheses."""
        envelope: dict[str, object] = {}
        try:
            decoded = Envelope.from_bytes(self.value or b"")
            envelope = decoded.model_dump(mode="json", exclude={"data"})
            envelope["subject"] = shown_id(decoded.subject)
            envelope["type"] = self.summary()["type"]
            if not is_service_source(decoded.source):
                envelope["source"] = "(not a hub service's source)"
            if decoded.dataschema != registered_dataschema(decoded.type, decoded.schemaversion):
                envelope["dataschema"] = "(not the registry's dataschema for this type)"
        except ContractError:
            pass  # undecodable: the summary says "?" and the error header says why
        key = (
            "(sealed)"
            if self.value is None
            else shown_id((self.key or b"").decode(errors="replace"))
        )
        return {
            **self.summary(),
            "key": key,
            "value_bytes": None if self.value is None else len(self.value),
            "headers": {
                k: v for k, v in self.headers.items() if not k.startswith(_DLQ_HEADER_PREFIX)
            },
            "envelope": envelope,
        }


def _letter(record: ConsumerRecord[bytes, bytes], sealer: DeadLetterSealer) -> DeadLetter:
    headers = {k: v.decode(errors="replace") for k, v in record.headers or ()}
    try:
        key, opened = sealer.open_record(record.key, record.value or b"", headers)
        value: bytes | None = opened
        unopened = None
    except DeadLetterKeyError as exc:
        key, value, unopened = None, None, str(exc)
    return DeadLetter(record.offset, record.partition, headers, record, value, unopened, key)


def distinct_records(letters: list[DeadLetter]) -> list[DeadLetter]:
    """The first of ``letters`` for each original record (`DeadLetter.original`), in order: a
    record several consumers dead-lettered, or dead-lettered again after a replay, has one
    letter per consumer and replay, and republishing it once is enough (republishing it per
    letter would only multiply the letters)."""
    seen: set[tuple[str, bytes | None, bytes | None]] = set()
    distinct = []
    for letter in letters:
        if letter.original() not in seen:
            seen.add(letter.original())
            distinct.append(letter)
    return distinct


async def load(settings: HubSettings, topic: str) -> list[DeadLetter]:
    """Every dead letter of the logical topic ``topic`` (e.g. ``referral.events.v1``), oldest first.

    Reads ``<prefix><topic>.dlq`` from offset 0 without a consumer group until it stays quiet for
    about a second (``hub_runtime.kafka.read_topic``), and opens each sealed value with
    ``settings``' dead-letter keys; a letter that does not open is still listed, with ``value``
    None and ``unopened`` saying why. Kafka errors (broker down) propagate as aiokafka's
    ``KafkaError``."""
    records = await read_topic(settings, dead_letter_topic(settings.topic(topic)))
    sealer = DeadLetterSealer.of(settings)
    return [_letter(r, sealer) for r in records]


async def replay(
    settings: HubSettings,
    letters: list[DeadLetter],
    on_sent: Callable[[DeadLetter], None] | None = None,
) -> int:
    """Republish the original record of ``letters`` to its original topic, once per original
    record (`distinct_records`), in the given order; returns how many records were sent.

    Each is sent and acknowledged (``acks=all``) before the next; ``on_sent`` is called after
    each acknowledgement (the ``hub dead-letters replay`` progress bar), with the letter sent.
    Each gets its original value and key (opened) and the letter's non-``dlq-*`` headers (those
    the letter kept), plus ``dlq-replayed-from``. Before anything is sent, a letter that could
    not be opened raises `DeadLetterKeyError` naming it. A letter without a
    ``dlq-original-topic`` header raises ``KeyError`` when its turn comes; Kafka errors
    propagate as aiokafka's ``KafkaError``. The letters sent before stay sent: replaying again
    is safe, consumers drop envelope ids they already applied."""
    for letter in letters:
        if letter.value is None:
            raise DeadLetterKeyError(f"{letter.partition}:{letter.offset}: {letter.unopened}")
    distinct = distinct_records(letters)
    producer = make_producer(settings, client_id="dlq-replay")
    await producer.start()
    try:
        for letter in distinct:
            original_topic = letter.headers["dlq-original-topic"]
            headers = [
                (k, v)
                for k, v in letter.record.headers or ()
                if not k.startswith(_DLQ_HEADER_PREFIX)
            ]
            headers.append(("dlq-replayed-from", f"{letter.partition}:{letter.offset}".encode()))
            await producer.send_and_wait(
                original_topic, value=letter.value, key=letter.key, headers=headers
            )
            if on_sent is not None:
                on_sent(letter)
    finally:
        await producer.stop()
    return len(distinct)


async def _main(args: argparse.Namespace) -> None:
    settings = HubSettings()
    letters = await load(settings, args.topic)
    if args.command == "list":
        for letter in letters:
            print(json.dumps(letter.summary()))
        print(f"{len(letters)} dead letter(s) for {args.topic}")
        return
    chosen = letters if args.all else [x for x in letters if x.offset in set(args.offset or [])]
    try:
        sent = await replay(settings, chosen)
    except DeadLetterKeyError as exc:
        raise SystemExit(f"not replayed: {exc}") from exc
    print(f"replayed {sent} record(s) from {len(chosen)} dead letter(s) to their original topic")


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
