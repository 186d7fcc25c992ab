"""decode() and the registry: every refusal is a ContractError with a readable reason."""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

import pytest
from hub_contracts import (
    CaseOpened,
    ContractError,
    Envelope,
    EventPayload,
    ReferralStatusChanged,
    SignalsPublished,
    Topic,
    all_payload_classes,
    decode,
    new_envelope,
    payload_class,
    register,
)
from hub_contracts.examples import CASE_ID, EXAMPLES, example_payload


def _with_data(envelope: Envelope, **changes: Any) -> Envelope:
    return envelope.model_copy(update=changes)


def _case_opened_envelope() -> Envelope:
    return new_envelope(example_payload(CaseOpened), source="urn:test", subject=str(CASE_ID))


def test_every_registered_class_has_an_example_and_the_registry_is_complete() -> None:
    classes = all_payload_classes()
    assert set(classes) == set(EXAMPLES)
    assert len(classes) >= 25  # grows as events are added; never shrinks
    assert [c.event_type for c in classes] == sorted(c.event_type for c in classes)


def test_event_type_names_carry_producer_and_major_version(
    payload_class_under_test: type[EventPayload],
) -> None:
    producer = payload_class_under_test.topic.value.split(".")[0]
    # A later major version is a class of its own, named with the suffix: ReferralRefusedV2.
    pattern = r"(?P<name>[A-Za-z]+?)(?:V(?P<major>[2-9][0-9]*))?"
    found = re.fullmatch(pattern, payload_class_under_test.__name__)
    assert found is not None
    name, major = found["name"], found["major"] or "1"
    assert payload_class_under_test.event_type == f"council.{producer}.{name}.v{major}"
    assert payload_class_under_test.schema_version == 1
    assert payload_class(payload_class_under_test.event_type) is payload_class_under_test


def test_unknown_type_is_refused() -> None:
    envelope = _case_opened_envelope().model_copy(update={"type": "council.casefile.Rana Nope.v1"})
    with pytest.raises(ContractError, match="unknown event type") as refused:
        decode(envelope)
    assert "Rana" not in str(refused.value)  # what a producer typed is never quoted
    with pytest.raises(ContractError, match="unknown event type"):
        payload_class("whatever")


def test_wrong_field_type_is_named_without_its_value() -> None:
    envelope = _case_opened_envelope()
    data = {**envelope.data, "household_size": "Jane Doe"}
    with pytest.raises(ContractError) as caught:
        decode(_with_data(envelope, data=data))
    message = str(caught.value)
    assert message.startswith("council.casefile.CaseOpened.v1: field 'household_size'")
    assert "Jane Doe" not in message  # values may be personal data: never echoed


def test_extra_field_is_refused() -> None:
    envelope = _case_opened_envelope()
    data = {**envelope.data, "full_name": "Jane Doe"}
    with pytest.raises(ContractError, match="the event has a member that is not part of") as caught:
        decode(_with_data(envelope, data=data))
    assert "full_name" not in str(caught.value)  # a member's name can be anything: not repeated


def test_missing_field_is_refused() -> None:
    envelope = _case_opened_envelope()
    data = {k: v for k, v in envelope.data.items() if k != "region"}
    with pytest.raises(ContractError, match="field 'region' is required"):
        decode(_with_data(envelope, data=data))


def test_removed_enum_value_and_nested_location_are_named() -> None:
    envelope = _case_opened_envelope()
    data = {**envelope.data, "vulnerabilities": ["medical", "left_handed"]}
    with pytest.raises(ContractError, match=r"field 'vulnerabilities\[1\]'"):
        decode(_with_data(envelope, data=data))


def test_future_schema_version_is_refused() -> None:
    envelope = _with_data(_case_opened_envelope(), schemaversion=2)
    with pytest.raises(ContractError, match="schemaversion 2 is newer than the known revision 1"):
        decode(envelope)


def test_reason_code_must_be_a_code_not_text() -> None:
    payload = example_payload(ReferralStatusChanged)
    envelope = new_envelope(payload, source="urn:test", subject=str(CASE_ID))
    data = {**envelope.data, "reason_code": "Partner said: call Jane on 0612345678"}
    with pytest.raises(ContractError, match="field 'reason_code'"):
        decode(_with_data(envelope, data=data))


def test_signals_cell_below_k_must_be_suppressed() -> None:
    payload = example_payload(SignalsPublished)
    envelope = new_envelope(payload, source="urn:test", subject="2025-02")
    doc = json.loads(envelope.to_bytes())
    doc["data"]["cells"][0]["count"] = 3
    with pytest.raises(ContractError, match=r"SignalsPublished\.v1: the event is not valid$"):
        decode(Envelope.from_bytes(json.dumps(doc).encode()))


def test_suppressed_cell_carries_no_count() -> None:
    payload = example_payload(SignalsPublished)
    envelope = new_envelope(payload, source="urn:test", subject="2025-02")
    doc = json.loads(envelope.to_bytes())
    doc["data"]["cells"][1]["count"] = 12
    with pytest.raises(ContractError, match="suppressed cell carries no count"):
        decode(Envelope.from_bytes(json.dumps(doc).encode()))


def test_payloads_are_frozen() -> None:
    payload = example_payload(CaseOpened)
    assert isinstance(payload, CaseOpened)
    with pytest.raises(ValueError, match="frozen"):
        payload.household_size = 9  # type: ignore[misc]


def test_register_refuses_a_malformed_class() -> None:
    class Sloppy(EventPayload):
        event_type: ClassVar[str] = "CaseOpened"
        schema_version: ClassVar[int] = 1
        topic: ClassVar[Topic] = Topic.CASEFILE_EVENTS

    with pytest.raises(ContractError, match="event_type must look like"):
        register(Sloppy)


def test_register_refuses_a_second_class_for_a_type() -> None:
    class Impostor(EventPayload):
        event_type: ClassVar[str] = CaseOpened.event_type
        schema_version: ClassVar[int] = 1
        topic: ClassVar[Topic] = Topic.CASEFILE_EVENTS

    with pytest.raises(ContractError, match="registered twice"):
        register(Impostor)
    assert payload_class(CaseOpened.event_type) is CaseOpened
