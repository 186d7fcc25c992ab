"""Envelope wire format, new_envelope defaults, topics."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

import pytest
from hub_contracts import (
    ALL_TOPICS,
    CaseOpened,
    ContractError,
    Envelope,
    EventPayload,
    SignalsPublished,
    Topic,
    dead_letter_topic,
    decode,
    new_envelope,
    subject_for,
)
from hub_contracts.envelope import service_of, source_for
from hub_contracts.examples import CASE_ID, example_payload
from hub_contracts.topics import original_topic


def _envelope(payload: EventPayload | None = None) -> Envelope:
    payload = payload or example_payload(CaseOpened)
    return new_envelope(payload, source="urn:council-hub:casefile", subject=str(CASE_ID))


def test_every_payload_round_trips_through_bytes(
    payload_class_under_test: type[EventPayload],
) -> None:
    payload = example_payload(payload_class_under_test)
    envelope = new_envelope(payload, source="urn:test", subject=subject_for(payload))

    again = Envelope.from_bytes(envelope.to_bytes())

    assert again == envelope
    assert type(decode(again)) is payload_class_under_test
    assert decode(again) == payload
    assert again.type == payload_class_under_test.event_type
    assert again.schemaversion == payload_class_under_test.schema_version


def test_to_bytes_is_compact_json_with_cloudevents_names() -> None:
    raw = _envelope().to_bytes()
    assert b" " not in raw.replace(b"1.0", b"")  # compact: no separators with spaces
    doc = json.loads(raw)
    assert set(doc) == {
        "id", "source", "type", "specversion", "time", "subject", "dataschema",
        "schemaversion", "correlationid", "causationid", "data",
    }  # fmt: skip
    assert doc["specversion"] == "1.0"
    assert doc["dataschema"] == "urn:council-hub:schema:council.casefile.CaseOpened.v1:1"


def test_new_envelope_defaults_correlation_to_its_own_id() -> None:
    envelope = _envelope()
    assert envelope.correlationid == envelope.id
    assert envelope.causationid is None
    assert envelope.time.tzinfo is not None


def test_new_envelope_keeps_given_chain_and_time() -> None:
    correlation, cause = uuid4(), uuid4()
    when = datetime(2025, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    envelope = new_envelope(
        example_payload(CaseOpened),
        source="urn:test",
        subject=str(CASE_ID),
        correlationid=correlation,
        causationid=cause,
        time=when,
    )
    assert (envelope.correlationid, envelope.causationid) == (correlation, cause)
    assert envelope.time == when
    assert envelope.time.utcoffset() == timedelta(0)  # normalised to UTC


def test_subject_for_is_the_case_id_or_the_period() -> None:
    assert subject_for(example_payload(CaseOpened)) == str(CASE_ID)
    assert subject_for(example_payload(SignalsPublished)) == "2025-02"


def test_naive_time_is_refused() -> None:
    with pytest.raises(ContractError, match="time"):
        new_envelope(
            example_payload(CaseOpened),
            source="urn:test",
            subject=str(CASE_ID),
            time=datetime(2025, 1, 1),
        )


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.pop("subject"), "field 'subject' is required"),
        (lambda d: d.update(extra=1), "the envelope has a member that is not part of the contract"),
        (lambda d: d.update(specversion="0.3"), "field 'specversion'"),
        (lambda d: d.update(id="not-a-uuid"), "field 'id'"),
        (lambda d: d.update(schemaversion=0), "field 'schemaversion'"),
    ],
)
def test_from_bytes_names_the_broken_attribute(
    mutate: Callable[[dict[str, Any]], object], expected: str
) -> None:
    doc = json.loads(_envelope().to_bytes())
    mutate(doc)
    with pytest.raises(ContractError, match=expected) as caught:
        Envelope.from_bytes(json.dumps(doc).encode())
    assert str(caught.value).startswith("invalid envelope: ")


def test_from_bytes_refuses_non_json() -> None:
    with pytest.raises(ContractError, match="invalid envelope"):
        Envelope.from_bytes(b"\x00not json")


def test_envelope_is_frozen() -> None:
    envelope = _envelope()
    with pytest.raises(ValueError, match="frozen"):
        envelope.subject = "x"  # type: ignore[misc]


def test_kafka_key_is_the_subject() -> None:
    assert _envelope().kafka_key() == str(CASE_ID).encode()


def test_topics_and_dead_letters() -> None:
    assert tuple(Topic) == ALL_TOPICS
    assert len(ALL_TOPICS) == 5
    assert dead_letter_topic(Topic.REFERRAL_COMMANDS) == "referral.commands.v1.dlq"
    assert dead_letter_topic(Topic.CASEFILE_EVENTS) == "casefile.events.v1.dlq"
    assert original_topic("casefile.events.v1.dlq") == "casefile.events.v1"
    assert dead_letter_topic("casefile.events.v1.dlq") == "casefile.events.v1.dlq"


def test_time_is_stored_in_utc() -> None:
    when = datetime(2025, 6, 1, 8, tzinfo=UTC)
    envelope = new_envelope(
        example_payload(CaseOpened), source="urn:test", subject=str(CASE_ID), time=when
    )
    assert json.loads(envelope.to_bytes())["time"] == "2025-06-01T08:00:00Z"


def test_a_service_name_becomes_a_urn_source_and_both_forms_name_the_service() -> None:
    # CloudEvents 1.0 §3.1.1: `source` is a URI-reference; an absolute URI is recommended.
    assert source_for("casefile") == "urn:council-hub:casefile"
    assert source_for("urn:test") == "urn:test"
    assert source_for("/council/tool") == "/council/tool"
    # Records written before (bare names) and after name the same service.
    assert service_of("urn:council-hub:partner-gateway") == "partner-gateway"
    assert service_of("partner-gateway") == "partner-gateway"
    assert service_of("urn:test") == "urn:test"


def test_an_invalid_id_is_refused_without_any_character_of_it() -> None:
    """pydantic's own sentence quotes the first character it cannot read ("found `m` at 1"):
    a character of whatever was typed in the id, a name say (found by the third trial)."""
    document = _envelope().model_dump(mode="json")
    for typed in ("Amina Testperson", "0af76519-16cd-43dd-8448-eb211c8031", "Zz"):
        with pytest.raises(ContractError) as refused:
            Envelope.from_bytes(json.dumps({**document, "id": typed}).encode())
        reason = str(refused.value)
        assert reason == (
            "invalid envelope: field 'id' should be a UUID (RFC 9562), 32 hexadecimal digits in"
            " groups of 8-4-4-4-12"
        )
    with pytest.raises(ContractError, match="field 'id' should be a UUID written as text"):
        Envelope.from_bytes(json.dumps({**document, "id": 7}).encode())


def test_a_service_source_is_a_closed_value_and_any_other_is_not() -> None:
    from hub_contracts.envelope import is_service_source
    from hub_contracts.registry import registered_dataschema

    assert all(is_service_source(source_for(s)) for s in ("casefile", "partner-gateway"))
    assert is_service_source("signals")  # records written before URIs
    assert not is_service_source("urn:council-hub:tool:counsellor-desk")
    assert not is_service_source("urn:council-hub:Amina Testperson")
    assert registered_dataschema(CaseOpened.event_type, 1) == (
        f"urn:council-hub:schema:{CaseOpened.event_type}:1"
    )
    assert registered_dataschema(CaseOpened.event_type, 99) is None
    assert registered_dataschema("council.x.Amina.v1", 1) is None
