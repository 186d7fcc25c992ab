"""A consent's evidence flags are true or false, nothing else: the art. 49(1)(a) information is
recorded as given only when the tool says ``true``, never from a string or a number."""

from datetime import UTC, datetime
from typing import Any

import pytest
from hub_contracts.commands.referral import ConsentEvidence
from pydantic import ValidationError

EVIDENCE: dict[str, Any] = {
    "form_reference": "CF-2025-0042",
    "language": "ar",
    "interpreter_used": False,
    "taken_by": "counsellor-7",
    "taken_at": datetime(2026, 3, 1, 10, tzinfo=UTC).isoformat(),
    "informed_transfer_outside_eu": True,
}


def test_true_and_false_pass() -> None:
    assert ConsentEvidence.model_validate(EVIDENCE).informed_transfer_outside_eu is True


@pytest.mark.parametrize("field", ["interpreter_used", "informed_transfer_outside_eu"])
@pytest.mark.parametrize("value", ["true", "yes", 1, 0, "0", None])
def test_a_flag_is_a_json_boolean(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        ConsentEvidence.model_validate({**EVIDENCE, field: value})
    with pytest.raises(ValidationError):  # the same from JSON text (the HTTP body, a command)
        ConsentEvidence.model_validate_json(
            ConsentEvidence.model_validate(EVIDENCE)
            .model_dump_json()
            .replace(f'"{field}":{str(EVIDENCE[field]).lower()}', f'"{field}":{_json(value)}')
        )


def _json(value: object) -> str:
    if value is None:
        return "null"
    return f'"{value}"' if isinstance(value, str) else str(value)
