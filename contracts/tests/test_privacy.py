"""Events carry no personal data: no suggestive field names, no unconstrained free text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from hub_contracts import EventPayload, RefusalCode, RefusalReason, Topic, all_payload_classes
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
    reason = RefusalReason.from_code(RefusalCode.PARTNER_ORIGIN_AUTHORITY)
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
