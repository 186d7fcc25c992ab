"""`hub_contracts.ids.CanonicalUuid`: the canonical text of a UUID only, the value never quoted."""

from uuid import UUID

import pytest
from hub_contracts.ids import NOT_CANONICAL, CanonicalUuid
from pydantic import BaseModel, ValidationError

CANONICAL = "0b3e7c1a-5d2f-4c1e-9a7b-2f8e6d4c3b1a"


class _Body(BaseModel):
    one: CanonicalUuid
    many: list[CanonicalUuid] = []
    maybe: CanonicalUuid | None = None


def test_the_canonical_text_and_a_uuid_object_are_read() -> None:
    body = _Body.model_validate({"one": CANONICAL, "many": [CANONICAL], "maybe": None})
    assert body.one == UUID(CANONICAL) == body.many[0]
    assert _Body(one=UUID(CANONICAL)).one == UUID(CANONICAL)
    assert _Body.model_validate_json(f'{{"one": "{CANONICAL}"}}').one == UUID(CANONICAL)


@pytest.mark.parametrize(
    "written",
    [
        CANONICAL.upper(),
        "{" + CANONICAL + "}",
        CANONICAL.replace("-", ""),
        "urn:uuid:" + CANONICAL,
        CANONICAL + "\n",
        " " + CANONICAL,
        "Zara Ahmed",
    ],
)
def test_every_other_form_is_refused_without_quoting_it(written: str) -> None:
    for data in (
        {"one": written},
        {"one": CANONICAL, "many": [written]},
        {
            "one": CANONICAL,
            "maybe": written,
        },
    ):
        with pytest.raises(ValidationError) as refused:
            _Body.model_validate(data)
        errors = refused.value.errors(include_input=False)
        assert [e["type"] for e in errors if e["type"] == NOT_CANONICAL] == [NOT_CANONICAL]
        assert all(written.strip() not in str(e["msg"]) for e in errors)


def test_the_json_schema_carries_the_canonical_pattern() -> None:
    schema = _Body.model_json_schema()
    assert schema["properties"]["one"]["pattern"].startswith("^[0-9a-f]{8}-")
    assert schema["properties"]["many"]["items"]["format"] == "uuid"
