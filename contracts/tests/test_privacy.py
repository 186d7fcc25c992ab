"""Events carry no personal data: no suggestive field names, no unconstrained free text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from hub_contracts import (
    EventPayload,
    RefusalCode,
    RefusalCodeV2,
    Topic,
    all_payload_classes,
)
from hub_contracts import RefusalReasonV2 as RefusalReason
from hub_contracts.schemas import schema_of
from hub_contracts.vocabulary import REFUSAL_TEXTS

PERSONAL = re.compile(
    r"name|birth|dob|phone|mobile|address|email|e_mail|street|postcode|zip|passport|bsn|"
    r"v_number|vnummer|free_?text|notes?$|comment|remark|message|story|photo|nationality_doc",
    re.IGNORECASE,
)
# Fields allowed to be strings without a pattern/enum/format, and why.
UNCONSTRAINED_STRINGS_ALLOWED = {
    ("RefusalReason", "text"): "generated from RefusalCode via REFUSAL_TEXTS, never typed in",
}


def _walk(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(model title, field name, field schema) for the root and every $defs model."""
    models = [schema, *schema.get("$defs", {}).values()]
    for model in models:
        for name, field in model.get("properties", {}).items():
            yield model.get("title", "?"), name, field


def _branches(field: dict[str, Any]) -> list[dict[str, Any]]:
    branches: list[dict[str, Any]] = field.get("anyOf", [field])
    return branches


def _is_free_text(field: dict[str, Any]) -> bool:
    constrained = ("pattern", "enum", "const", "format", "$ref")
    for branch in _branches(field):
        items = branch.get("items", {})
        for node in (branch, items):
            if node.get("type") == "string" and not any(k in node for k in constrained):
                return True
        for value in branch.get("patternProperties", {}).values():
            if value.get("type") == "string" and "pattern" not in value:
                return True
    return False


def test_no_field_name_suggests_personal_data(payload_class_under_test: type[EventPayload]) -> None:
    schema = schema_of(payload_class_under_test)
    suspicious = [f"{model}.{name}" for model, name, _ in _walk(schema) if PERSONAL.search(name)]
    assert suspicious == []


def test_no_unconstrained_free_text(payload_class_under_test: type[EventPayload]) -> None:
    schema = schema_of(payload_class_under_test)
    loose = [
        f"{model}.{name}"
        for model, name, field in _walk(schema)
        if _is_free_text(field) and (model, name) not in UNCONSTRAINED_STRINGS_ALLOWED
    ]
    assert loose == [], "string fields must be codes (pattern/enum/format), not free text"


def test_every_field_is_described(payload_class_under_test: type[EventPayload]) -> None:
    schema = schema_of(payload_class_under_test)
    undocumented = [f"{m}.{n}" for m, n, field in _walk(schema) if not field.get("description")]
    assert undocumented == []


def test_refusal_text_comes_from_the_code_table() -> None:
    assert set(REFUSAL_TEXTS) == set(RefusalCode)
    reason = RefusalReason.from_code(RefusalCodeV2.PARTNER_ORIGIN_AUTHORITY)
    assert reason.text == REFUSAL_TEXTS[RefusalCode.PARTNER_ORIGIN_AUTHORITY]
    description = RefusalReason.model_json_schema()["properties"]["text"]["description"]
    assert "GENERATED from the code" in description


def test_the_personal_data_detector_works() -> None:
    assert PERSONAL.search("first_name")
    assert PERSONAL.search("date_of_birth")
    assert PERSONAL.search("notes")
    assert not PERSONAL.search("case_id")
    assert _is_free_text({"type": "string"})
    assert _is_free_text({"anyOf": [{"type": "string"}, {"type": "null"}]})
    assert not _is_free_text({"type": "string", "pattern": "^[a-z]+$"})


# Commands (hub_contracts.commands) say who acts and carry the consent's evidence: staff logins
# and references to records kept elsewhere. They are staff and evidence data, not data of the
# counselled person, and need no entry in UNCONSTRAINED_STRINGS_ALLOWED: their patterns allow no
# whitespace, so a sentence about the person (or a name with a space) cannot be typed into them.
COMMAND_EVIDENCE_FIELDS = {
    "requested_by",
    "taken_by",
    "form_reference",
    "interpreter_reference",
    "reason_reference",
}


def _string_patterns(field: dict[str, Any]) -> list[str]:
    return [b["pattern"] for b in _branches(field) if b.get("type") == "string" and "pattern" in b]


def test_command_evidence_fields_are_codes_that_cannot_hold_a_sentence() -> None:
    commands = [cls for cls in all_payload_classes() if cls.topic is Topic.REFERRAL_COMMANDS]
    assert len(commands) >= 3
    seen = set()
    for cls in commands:
        for _, name, field in _walk(schema_of(cls)):
            patterns = _string_patterns(field)
            if name not in COMMAND_EVIDENCE_FIELDS:
                continue
            seen.add(name)
            assert patterns, f"{cls.__name__}.{name} must be a code with a pattern"
            for pattern in patterns:
                assert re.search(pattern, "CF-2025-0042")
                assert not re.search(pattern, "Jane Doe, born 1990")
    assert seen == COMMAND_EVIDENCE_FIELDS


# Every pattern a string field may have, and why it cannot carry a sentence about a person.
# A pattern that is not here fails the test below: a new string field must be a closed code
# (enum), a format (uuid, date), or one of these, and the list grows only with a reason.
CLOSED_PATTERNS = {
    r"^[A-Z]{2}$": "ISO 3166-1 alpha-2 country code",
    r"^[a-z]{2,3}$": "ISO 639 language code",
    r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$": "staff login (staff, not the person; no spaces)",
    r"^[A-Za-z0-9][A-Za-z0-9._/:#-]{0,99}$": "reference to a record kept elsewhere (no spaces)",
    r"^[a-z][a-z0-9_]{0,63}$": "signals table and dimension names (the hub's own catalogue)",
    r"^[A-Za-z0-9_+.\-]{1,64}$": "signals cell keys built from the catalogue's codes",
    # SignalsPublished.v2: the same codes as AsciiCode (hub_contracts.codes) writes them.
    r"^(?:(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2]))$": (
        "a month in ASCII digits (signals period, hub_contracts.codes.PERIOD)"
    ),
    r"^(?:[a-z][a-z0-9_]{0,63})$": "signals table and dimension names, matched whole",
    r"^(?:[A-Za-z0-9_+.-]{1,64})$": "signals cell keys from the catalogue's codes, matched whole",
}

# Open snake_case codes ("^[a-z_]{1,64}$") could carry "<name>_<diagnosis>": only revisions
# that are superseded (kept registered for the records still in the topics) may have them.
OPEN_CODE = r"^[a-z_]{1,64}$"
OPEN_CODE_ALLOWED = {
    "council.referral.ReferralStatusChanged.v1": "superseded by v2 (closed StatusReason list)",
    "council.partner.PartnerStatusReported.v1": "superseded by v2 (closed DeclineReason list)",
    "council.partner.DeliveryFailed.v1": "set by the gateway itself from its delivery outcomes",
}


# SignalsPublished.v1's period: ``\d`` matches every script's digits in pydantic's engine, so
# only the superseded v1 (kept for the records in the topic) may have it; v2 has PERIOD's.
UNICODE_PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"
UNICODE_PERIOD_ALLOWED = {"council.signals.SignalsPublished.v1": "superseded by v2 (ASCII)"}


def test_string_patterns_are_closed(payload_class_under_test: type[EventPayload]) -> None:
    """A new event or command with an unconstrained or open string field fails here."""
    schema = schema_of(payload_class_under_test)
    allowed = dict(CLOSED_PATTERNS)
    if payload_class_under_test.event_type in OPEN_CODE_ALLOWED:
        allowed[OPEN_CODE] = OPEN_CODE_ALLOWED[payload_class_under_test.event_type]
    if payload_class_under_test.event_type in UNICODE_PERIOD_ALLOWED:
        allowed[UNICODE_PERIOD] = UNICODE_PERIOD_ALLOWED[payload_class_under_test.event_type]
    found = []
    for model, name, field in _walk(schema):
        for branch in _branches(field):
            for node in (branch, branch.get("items", {})):
                pattern = node.get("pattern")
                if pattern is not None and pattern not in allowed:
                    found.append(f"{model}.{name}: {pattern}")
    assert found == []


def test_the_open_code_check_catches_an_open_pattern() -> None:
    assert OPEN_CODE not in CLOSED_PATTERNS
    assert re.fullmatch(OPEN_CODE, "jansen_hiv_positive")
