"""Dead letters are sealed (unit: a recording broker, no Kafka; the real-Kafka round trip is in
test_delivery_guarantees, the retention on the real broker in test_topic_retention)."""

import dataclasses
import json
import uuid
from typing import Any

import pytest
from aiokafka import ConsumerRecord
from hub_contracts import new_envelope
from hub_runtime.dead_letter_seal import DeadLetterKeyError, DeadLetterSealer
from hub_runtime.dead_letters import DeadLetterWriter, _letter, shown_id
from hub_runtime.kafka import retention_of, topic_configs
from hub_runtime.settings import HubSettings
from pydantic import SecretStr

from ._events import case_opened

MARKER = "Amina Testperson-7f3c"
KEY = SecretStr("r8Tq2-Vn5xK1wZp7mL3cYd9bH4sF6gJe")
OLD_KEY = SecretStr("a1Bc2-De3fG4hI5jK6lM7nO8pQ9rS0tU")


class RecordingBroker:
    """Stands in for the service's FastStream broker: keeps what would be published."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def publish(self, value: bytes, **kwargs: Any) -> None:
        self.sent.append({"value": value, **kwargs})


def _settings(**keys: SecretStr) -> HubSettings:
    return HubSettings(env="development", dead_letter_key=KEY, **keys)  # type: ignore[arg-type]


CASE_KEY = b"0af76519-16cd-43dd-8448-eb211c80319c"


def _record(
    value: bytes, key: bytes | None = CASE_KEY, offset: int = 7
) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        topic="t-1.referral.commands.v1",
        partition=2,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=key,
        value=value,
        checksum=None,
        serialized_key_size=len(key or b""),
        serialized_value_size=len(value),
        headers=[("content-type", b"application/cloudevents+json")],
    )


def _wrong_command() -> bytes:
    document = new_envelope(case_opened(uuid.uuid4()), source="t", subject="x").model_dump(
        mode="json"
    )
    document["data"]["person_name"] = MARKER
    return json.dumps(document).encode()


async def _dead_letter(
    value: bytes, settings: HubSettings, key: bytes | None = CASE_KEY
) -> ConsumerRecord[bytes, bytes]:
    """What the writer publishes for ``value`` keyed ``key``, read back as a `.dlq` record."""
    broker = RecordingBroker()
    writer = DeadLetterWriter(broker, "referral", DeadLetterSealer.of(settings))  # type: ignore[arg-type]
    error = "undecodable: data.person_name: extra field"
    await writer.send(_record(value, key), error, attempts=1)
    [sent] = broker.sent
    assert sent["topic"] == "t-1.referral.commands.v1.dlq"
    headers = [(k, v.encode()) for k, v in sent["headers"].items()]
    return dataclasses.replace(_record(sent["value"], sent["key"]), headers=headers, offset=0)


async def test_the_writer_never_publishes_the_plaintext_and_the_letter_opens() -> None:
    original = _wrong_command()
    raw = await _dead_letter(original, _settings())
    assert MARKER.encode() not in raw.value
    assert b"person_name" not in raw.value
    headers = dict(raw.headers)
    assert headers["dlq-sealed"] == b"v1"
    assert headers["dlq-key-id"].decode() == DeadLetterSealer.of(_settings()).current
    letter = _letter(raw, DeadLetterSealer.of(_settings()))
    assert (letter.value, letter.unopened) == (original, None)
    assert letter.summary()["sealed"] == "v1"


async def test_a_letter_opens_with_the_previous_key_after_a_rotation_only() -> None:
    original = _wrong_command()
    raw = await _dead_letter(original, _settings())
    rotated = HubSettings(env="development", dead_letter_key=OLD_KEY, dead_letter_previous_key=KEY)
    assert _letter(raw, DeadLetterSealer.of(rotated)).value == original
    other = _letter(
        raw, DeadLetterSealer.of(HubSettings(env="development", dead_letter_key=OLD_KEY))
    )
    assert other.value is None
    assert other.unopened is not None
    assert "not configured here" in other.unopened
    assert MARKER not in json.dumps(other.detail())


async def test_a_sealed_value_moved_to_another_letter_does_not_open() -> None:
    raw = await _dead_letter(_wrong_command(), _settings())
    headers = {k: v.decode() for k, v in raw.headers}
    sealer = DeadLetterSealer.of(_settings())
    with pytest.raises(DeadLetterKeyError, match="does not authenticate"):
        sealer.open(raw.value, {**headers, "dlq-original-offset": "8"})
    with pytest.raises(DeadLetterKeyError, match="unknown dead-letter seal"):
        sealer.open(raw.value, {**headers, "dlq-sealed": "v9"})


def test_a_letter_written_before_sealing_opens_as_it_is() -> None:
    """Letters from before sealing have no dlq-sealed header: their value is the original."""
    original = _wrong_command()
    legacy = dataclasses.replace(
        _record(original),
        headers=[("dlq-original-topic", b"t-1.referral.commands.v1"), ("dlq-error", b"x")],
    )
    letter = _letter(legacy, DeadLetterSealer.of(_settings()))
    assert letter.value == original
    assert letter.summary()["type"] == "council.casefile.CaseOpened.v1"
    assert MARKER not in json.dumps(letter.detail())  # show never prints data


async def test_show_prints_a_key_or_subject_only_when_it_is_id_shaped() -> None:
    case = str(uuid.uuid4())
    assert shown_id(case) == case
    assert shown_id("2026-11") == "2026-11"
    assert shown_id(MARKER) == f"(hidden: {len(MARKER)} characters, not an id)"
    document = new_envelope(case_opened(uuid.uuid4()), source="t", subject=MARKER).model_dump(
        mode="json"
    )
    named = dataclasses.replace(
        _record(json.dumps(document).encode(), key=MARKER.encode()), headers=[]
    )
    detail = _letter(named, DeadLetterSealer.of(_settings())).detail()
    assert MARKER not in json.dumps(detail)
    assert detail["key"] == f"(hidden: {len(MARKER)} characters, not an id)"


def test_each_kind_of_topic_gets_its_own_configured_retention() -> None:
    settings = HubSettings(
        dead_letter_retention_ms=86_400_000,
        command_retention_ms=3_600_000,
        event_retention_ms=172_800_000,
    )
    assert retention_of(settings, "t-1.referral.events.v1.dlq") == 86_400_000
    assert retention_of(settings, "t-1.referral.commands.v1.dlq") == 86_400_000
    assert retention_of(settings, "t-1.referral.commands.v1") == 3_600_000
    assert retention_of(settings, "referral.commands.v1") == 3_600_000
    assert retention_of(settings, "t-1.referral.events.v1") == 172_800_000
    assert retention_of(settings, "casefile.events.v1") == 172_800_000
    assert topic_configs(3, 5) == {"min.insync.replicas": "2", "retention.ms": "5"}
    assert topic_configs(1) == {}
    assert HubSettings().dead_letter_retention_ms == 14 * 24 * 3600 * 1000
    assert HubSettings().event_retention_ms == 30 * 24 * 3600 * 1000


def test_the_original_id_is_read_only_from_a_canonical_uuid_and_never_raises() -> None:
    from hub_runtime.dead_letters import original_id, value_free_headers

    assert original_id(b'{"id": "0af76519-16cd-43dd-8448-eb211c80319c"}') == (
        "0af76519-16cd-43dd-8448-eb211c80319c"
    )
    assert original_id(b'{"id": "Amina Testperson"}') is None
    assert original_id(b"[" * 100_000) is None  # json.loads raised RecursionError here
    assert original_id(b"\xff not json") is None
    assert original_id(b"[1, 2]") is None
    assert original_id(None) is None
    assert (
        value_free_headers(
            [("x-person", b"Amina"), ("traceparent", b"Amina"), ("content-type", b"\xff")]
        )
        == {}
    )


async def test_a_key_that_is_not_an_id_is_sealed_with_the_value_and_opens_exactly() -> None:
    """A record keyed by a name: the `.dlq` record is keyed by a keyed hash, the name is sealed
    with the value (v2), and opening gives the original key and bytes back for a replay."""
    original = _wrong_command()
    raw = await _dead_letter(original, _settings(), key=MARKER.encode())
    assert MARKER.encode() not in raw.value
    assert raw.key is not None
    assert MARKER.encode() not in raw.key
    assert len(raw.key) == 32
    assert dict(raw.headers)["dlq-sealed"] == b"v2"
    again = await _dead_letter(original, _settings(), key=MARKER.encode())
    assert again.key == raw.key  # one record key, one letter key: same partition
    letter = _letter(raw, DeadLetterSealer.of(_settings()))
    assert (letter.key, letter.value) == (MARKER.encode(), original)
    assert MARKER not in json.dumps(letter.detail())
    # Without the key: listed, nothing opened, the key not guessed.
    other = HubSettings(env="development", dead_letter_key=OLD_KEY)
    unopened = _letter(raw, DeadLetterSealer.of(other))
    assert (unopened.key, unopened.value, unopened.detail()["key"]) == (None, None, "(sealed)")


@pytest.mark.parametrize("key", [CASE_KEY, b"2026-11", None])
async def test_an_id_shaped_key_or_none_stays_the_letter_key_in_clear(key: bytes | None) -> None:
    original = _wrong_command()
    raw = await _dead_letter(original, _settings(), key=key)
    assert raw.key == key
    assert dict(raw.headers)["dlq-sealed"] == b"v1"
    letter = _letter(raw, DeadLetterSealer.of(_settings()))
    assert (letter.key, letter.value) == (key, original)


async def test_a_v1_letter_keyed_in_clear_before_this_change_still_opens_with_its_key() -> None:
    """Letters written before keys were sealed: v1, keyed by whatever the record was keyed by."""
    original = _wrong_command()
    sealer = DeadLetterSealer.of(_settings())
    sealed, headers = sealer.seal(original, "t-1.referral.commands.v1", 2, 7)
    header_list = [
        *((k, v.encode()) for k, v in headers.items()),
        (b"dlq-original-topic".decode(), b"t-1.referral.commands.v1"),
        ("dlq-original-partition", b"2"),
        ("dlq-original-offset", b"7"),
    ]
    legacy = dataclasses.replace(_record(sealed, key=b"case-1"), headers=header_list)
    letter = _letter(legacy, sealer)
    assert (letter.key, letter.value) == (b"case-1", original)


def test_show_prints_source_and_dataschema_only_when_they_are_closed_values() -> None:
    """An envelope whose `source` and `dataschema` are free strings carrying a name: `show`
    prints placeholders; a hub service's source and the registry's dataschema are printed."""
    named = new_envelope(case_opened(uuid.uuid4()), source="t", subject=str(uuid.uuid4()))
    document = named.model_dump(mode="json")
    document["source"] = f"urn:council-hub:{MARKER}"
    document["dataschema"] = f"urn:council-hub:schema:{MARKER}"
    detail = _letter(
        _record(json.dumps(document).encode()), DeadLetterSealer.of(_settings())
    ).detail()
    assert MARKER not in json.dumps(detail)
    envelope = detail["envelope"]
    assert isinstance(envelope, dict)
    assert envelope["source"] == "(not a hub service's source)"
    assert envelope["dataschema"] == "(not the registry's dataschema for this type)"
    known = new_envelope(
        case_opened(uuid.uuid4()), source="urn:council-hub:casefile", subject=str(uuid.uuid4())
    )
    shown = _letter(_record(known.to_bytes()), DeadLetterSealer.of(_settings())).detail()
    assert isinstance(shown["envelope"], dict)
    assert shown["envelope"]["source"] == "urn:council-hub:casefile"
    assert shown["envelope"]["dataschema"] == known.dataschema
    assert shown["envelope"]["type"] == known.type


def test_letters_of_one_original_record_are_replayed_once() -> None:
    """Two consumers' letters of one record, and the letter of its replay, are one record."""
    from hub_runtime.dead_letters import distinct_records

    sealer = DeadLetterSealer.of(_settings())
    value = _wrong_command()

    def letter(offset: int, consumer: str, original_offset: int, body: bytes = value) -> Any:
        headers = [
            ("dlq-original-topic", b"t-1.referral.events.v1"),
            ("dlq-original-offset", str(original_offset).encode()),
            ("dlq-consumer", consumer.encode()),
        ]
        record = dataclasses.replace(_record(body, offset=offset), headers=headers)
        return _letter(record, sealer)

    letters = [
        letter(0, "casefile", 7),
        letter(1, "partner-gateway", 7),
        letter(2, "casefile", 40),  # the same record, dead-lettered again after a replay
        letter(3, "casefile", 8, body=value + b" "),
    ]
    assert [x.offset for x in distinct_records(letters)] == [0, 3]
