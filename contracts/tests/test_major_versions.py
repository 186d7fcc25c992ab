"""The two v2 types: deadlines without dates, refusals that can say "refused at review".

Both are breaking changes made the versioned way: v1 stays registered and byte for byte as
committed, v2 is a new type. The tests below pin why a revision of v1 would not have done.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest
from hub_contracts import (
    REFUSAL_TEXTS,
    ContractError,
    DeadlineApproaching,
    DeadlineApproachingV2,
    DeadlinePassed,
    DeadlinePassedV2,
    DeadlineScheduled,
    DeadlineScheduledV2,
    EventPayload,
    ReferralRefused,
    ReferralRefusedV2,
    RefusalCode,
    RefusalCodeV1,
    RefusalCodeV2,
    RefusalReasonV1,
    Topic,
    decode,
    new_envelope,
    payload_class,
)
from hub_contracts import (
    RefusalReasonV2 as RefusalReason,
)
from hub_contracts.compat import check_all
from hub_contracts.events._fields import CaseId, PartnerId, ReferralId
from hub_contracts.examples import CASE_ID, example_payload
from hub_contracts.schemas import (
    DEFAULT_SCHEMA_DIR,
    current_schemas,
    schema_of,
    schema_path,
    write_missing,
)
from pydantic import Field

DEADLINES_V1 = (DeadlineScheduled, DeadlineApproaching, DeadlinePassed)
DEADLINES_V2 = (DeadlineScheduledV2, DeadlineApproachingV2, DeadlinePassedV2)
DATE_FORMATS = {"date", "date-time"}


def _nodes(node: Any) -> list[dict[str, Any]]:
    """Every JSON object inside a schema, nested ones included."""
    if isinstance(node, dict):
        return [node, *(n for value in node.values() for n in _nodes(value))]
    if isinstance(node, list):
        return [n for item in node for n in _nodes(item)]
    return []


# -- deadlines ----------------------------------------------------------------------------


@pytest.mark.parametrize("cls", DEADLINES_V2, ids=lambda c: c.__name__)
def test_v2_deadline_events_carry_no_date(cls: type[EventPayload]) -> None:
    schema = schema_of(cls)
    formats = {n.get("format") for n in _nodes(schema)}
    assert not formats & DATE_FORMATS
    assert not [name for name in schema["properties"] if "date" in name]
    assert set(schema["properties"]) <= {"case_id", "deadline_id", "kind", "days_left"}


def test_the_detector_sees_the_v1_date() -> None:
    formats = {n.get("format") for n in _nodes(schema_of(DeadlineScheduled))}
    assert "date" in formats


def test_only_the_reminder_carries_days_left_and_only_a_few() -> None:
    # With the event time, days_left of a far-away deadline would give its date again.
    assert "days_left" not in DeadlineScheduledV2.model_fields
    assert "days_left" not in DeadlinePassedV2.model_fields
    days_left = schema_of(DeadlineApproachingV2)["properties"]["days_left"]
    assert (days_left["minimum"], days_left["maximum"]) == (0, 7)
    reminder = example_payload(DeadlineApproachingV2)
    with pytest.raises(ValueError, match="days_left"):
        DeadlineApproachingV2.model_validate({**reminder.model_dump(), "days_left": 4000})


@pytest.mark.parametrize(("old", "new"), list(zip(DEADLINES_V1, DEADLINES_V2, strict=True)))
def test_v1_deadlines_stay_registered_next_to_v2(
    old: type[EventPayload], new: type[EventPayload]
) -> None:
    assert old.event_type.removesuffix(".v1") == new.event_type.removesuffix(".v2")
    assert payload_class(old.event_type) is old
    assert payload_class(new.event_type) is new
    assert schema_path(DEFAULT_SCHEMA_DIR, old.event_type, 1).exists()


def test_a_due_date_is_not_part_of_the_v2_contract() -> None:
    payload = example_payload(DeadlinePassedV2)
    envelope = new_envelope(payload, source="urn:test", subject=str(CASE_ID))
    leaky = envelope.model_copy(update={"data": {**envelope.data, "due_date": "2037-02-28"}})
    with pytest.raises(
        ContractError, match="the event has a member that is not part of the contract"
    ):
        decode(leaky)


# -- refusals -----------------------------------------------------------------------------


def test_the_v1_refusal_codes_are_frozen_and_v2_only_adds() -> None:
    committed = schema_path(DEFAULT_SCHEMA_DIR, ReferralRefused.event_type, 1)
    assert committed.read_text(encoding="utf-8").count('"refused_at_review"') == 0
    assert {c.value for c in RefusalCodeV2} - {c.value for c in RefusalCodeV1} == {
        RefusalCode.REFUSED_AT_REVIEW.value
    }
    # v3 (the current list) only adds to v2: every old code still reads.
    assert {c.value for c in RefusalCodeV2} < {c.value for c in RefusalCode}


def test_v1_reasons_read_as_before() -> None:
    for code in RefusalCodeV1:
        reason = RefusalReasonV1.from_code(code)
        assert reason.text == REFUSAL_TEXTS[RefusalCode(code.value)]
        assert reason.current_code() is RefusalCode(code.value)


def test_refused_at_review_is_a_sentence_a_counsellor_can_pass_on() -> None:
    reason = RefusalReason.from_code(RefusalCodeV2.REFUSED_AT_REVIEW)
    assert "coordinator" in reason.text
    assert reason.text.endswith(".")
    assert reason.text != REFUSAL_TEXTS[RefusalCode.NEEDS_COORDINATOR_REVIEW]


def test_v1_cannot_carry_refused_at_review_and_v2_can() -> None:
    v2 = example_payload(ReferralRefusedV2)
    assert isinstance(v2, ReferralRefusedV2)
    assert [r.code for r in v2.reasons] == [RefusalCode.REFUSED_AT_REVIEW]
    envelope = new_envelope(v2, source="urn:test", subject=str(CASE_ID))
    assert decode(envelope) == v2

    as_v1 = envelope.model_copy(update={"type": ReferralRefused.event_type})
    with pytest.raises(ContractError, match=r"field 'reasons\[0\]\.code'"):
        decode(as_v1)


class _RefusedWithCurrentCodes(EventPayload):
    """The policy refused the referral; nothing is sent to the partner."""

    # What "just add the value to RefusalCode" would have made of v1: revision 2 of the type.
    event_type: ClassVar[str] = ReferralRefused.event_type  # NOT registered
    schema_version: ClassVar[int] = 2
    topic: ClassVar[Topic] = Topic.REFERRAL_EVENTS

    case_id: CaseId
    referral_id: ReferralId
    partner_id: PartnerId
    reasons: list[RefusalReason] = Field(min_length=1, description="Why it was refused.")


def test_adding_the_code_to_v1_would_break_old_readers(schema_copy: Path) -> None:
    current = current_schemas()
    current[ReferralRefused.event_type] = (2, schema_of(_RefusedWithCurrentCodes))
    write_missing(schema_copy, [_RefusedWithCurrentCodes])
    problems = check_all(schema_copy, current)
    assert problems
    assert any(
        "not forward compatible" in p and 'value "refused_at_review"' in p for p in problems
    ), problems
