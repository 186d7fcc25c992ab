"""A count in a body is a JSON whole number: pydantic's lax int took "3", 3.0 and true (as 1)."""

import pytest
from casefile.bodies import ScheduleEntryBan, ScheduleExtension
from pydantic import BaseModel, ValidationError

EXTENSION = '{{"kind": "extension", "weeks": {}, "cooperating": true}}'
ENTRY_BAN = '{{"kind": "entry_ban_end", "starts_on": "2026-01-01", "years": {}}}'


@pytest.mark.parametrize("number", ['"3"', "3.0", "true"])
@pytest.mark.parametrize(
    ("body", "template"), [(ScheduleExtension, EXTENSION), (ScheduleEntryBan, ENTRY_BAN)]
)
def test_a_count_that_is_not_a_json_whole_number_is_refused(
    body: type[BaseModel], template: str, number: str
) -> None:
    with pytest.raises(ValidationError):
        body.model_validate_json(template.format(number))


@pytest.mark.parametrize(
    ("body", "template"), [(ScheduleExtension, EXTENSION), (ScheduleEntryBan, ENTRY_BAN)]
)
def test_a_json_whole_number_is_taken(body: type[BaseModel], template: str) -> None:
    body.model_validate_json(template.format("3"))
