"""A record is decoded only on its own hub topic (a new user's trial had referral apply a
CaseOpened sent on partner.events.v1, and the command consumer skip one without a trace)."""

import json

import pytest
from aiokafka import ConsumerRecord
from hub_contracts import CaseOpened, ContractError, new_envelope
from hub_contracts.commands.referral import RequestReferralCommand
from hub_contracts.examples import CASE_ID, example_payload
from hub_runtime.decoding import decode_record

from ._events import case_opened


def _record(topic: str, value: bytes) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(topic, 0, 0, 0, 0, b"k", value, None, 1, len(value), ())


def _case_opened(source: str = "casefile") -> bytes:
    payload = case_opened()
    return new_envelope(payload, source=source, subject=str(payload.case_id)).to_bytes()


@pytest.mark.parametrize("topic", ["casefile.events.v1", "t-1a2b.casefile.events.v1", "tests-x"])
def test_an_event_on_its_own_topic_or_a_test_topic_decodes(topic: str) -> None:
    envelope, payload = decode_record(_record(topic, _case_opened()))
    assert isinstance(payload, CaseOpened)
    assert envelope.type == CaseOpened.event_type


@pytest.mark.parametrize(
    "topic", ["partner.events.v1", "t-1a2b.referral.events.v1", "prod.referral.commands.v1"]
)
def test_an_event_on_another_hub_topic_is_refused_with_the_reason(topic: str) -> None:
    wrong = r"wrong topic: council\.casefile\.CaseOpened\.v1 belongs on casefile\.events\.v1"
    with pytest.raises(ContractError, match=wrong):
        decode_record(_record(topic, _case_opened()))


@pytest.mark.parametrize("source", ["casefile", "urn:council-hub:casefile"])
def test_records_of_both_source_eras_decode_without_headers(source: str) -> None:
    # Replay from offset 0: records written before the CloudEvents header and the URI source
    # (no headers, `source: casefile`) decode like the new ones.
    envelope, _ = decode_record(_record("casefile.events.v1", _case_opened(source)))
    assert envelope.source == source


@pytest.mark.parametrize(
    ("original", "doubled"),
    [
        (b'"subject":', b'"subject":"x","subject":'),  # in the envelope
        (b'"region":', b'"region":"east","region":'),  # in its data
    ],
)
def test_a_record_with_a_duplicate_key_at_any_depth_is_refused(
    original: bytes, doubled: bytes
) -> None:
    value = _case_opened().replace(original, doubled, 1)
    with pytest.raises(ContractError, match=r"^duplicate_key: record value: an object has the"):
        decode_record(_record("casefile.events.v1", value))


@pytest.mark.parametrize("value", [b'{"a": NaN}', b'{"a": "\\ud800"}', "{}".encode("utf-16"), b"{"])
def test_a_record_that_is_not_strict_json_is_refused_like_an_http_body(value: bytes) -> None:
    with pytest.raises(ContractError, match=r"^invalid_json: record value: "):
        decode_record(_record("casefile.events.v1", value))


@pytest.mark.parametrize("value", [b'{"a": ' + b"7" * 5000 + b"}", b'{"a": [1e400]}'])
def test_a_record_with_a_number_too_large_is_refused_with_its_own_code(value: bytes) -> None:
    with pytest.raises(ContractError, match=r"^number_too_large: record value: a number"):
        decode_record(_record("casefile.events.v1", value))


def test_a_dead_letters_cause_is_the_hubs_sentence_without_the_pattern_or_the_value() -> None:
    """The tenth new user's trial: a dead letter's ``dlq-error`` said "field 'requested_by':
    String should match pattern '^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$'", pydantic's sentence with
    the regular expression. The cause is the hub's sentence, the 422's, and quotes nothing the
    record carries."""
    payload = example_payload(RequestReferralCommand)
    doc = json.loads(new_envelope(payload, source="referral", subject=str(CASE_ID)).to_bytes())
    doc["data"]["requested_by"] = "Zara Probe +31612345678"
    with pytest.raises(ContractError) as refused:
        decode_record(_record("referral.commands.v1", json.dumps(doc).encode()))
    assert str(refused.value) == (
        f"{RequestReferralCommand.event_type}: field 'requested_by' is not written in the form"
        " this field takes (its pattern is in the API description)"
    )
    for quoted in ("Zara", "+3161", "should match", "A-Za-z0-9"):
        assert quoted not in str(refused.value)
