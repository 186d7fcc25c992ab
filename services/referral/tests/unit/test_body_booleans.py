"""A directory entry's `active` is JSON true or false: pydantic's lax bool took "no", 0 and
"off" (as false, removing the organisation) and "yes", 1 and "on" (as true)."""

import json

import pytest
from pydantic import ValidationError
from referral.bodies import UpdatePartner

ENTRY = {
    "name": "Reintegration Partner",
    "partner_type": "ngo",
    "countries": ["IQ"],
    "purposes": ["reintegration_support"],
}


@pytest.mark.parametrize("active", ["no", 0, "off", "true", 1])
def test_active_that_is_not_a_json_boolean_is_refused(active: object) -> None:
    with pytest.raises(ValidationError) as refused:
        UpdatePartner.model_validate_json(json.dumps({**ENTRY, "active": active}))
    assert [error["loc"] for error in refused.value.errors()] == [("active",)]


def test_active_true_or_false_is_taken() -> None:
    assert UpdatePartner.model_validate_json(json.dumps({**ENTRY, "active": False})).active is False
