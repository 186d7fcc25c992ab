"""The hub's sentences for pydantic's validation errors (`hub_contracts.validation_reasons`),
which the HTTP edge's 422 and a dead letter's cause both give."""

import string
from typing import Annotated, Literal

import pytest
from hub_contracts.validation_reasons import validation_reasons
from hub_contracts.validation_words import SCHEMA_CONTEXT, SENTENCES
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic_core._pydantic_core import list_all_errors

_ALL_TYPES = [error["type"] for error in list_all_errors()]
# Said by `validation_reasons` itself: an unknown key's object, a validator's own sentence.
_OWN_PATH = {"extra_forbidden", "unexpected_keyword_argument", "value_error", "assertion_error"}


@pytest.mark.parametrize("kind", _ALL_TYPES)
def test_every_error_type_pydantic_knows_has_the_hubs_sentence(kind: str) -> None:
    """A type without one fell through to pydantic's template (the tenth trial's "Unable to
    extract tag using discriminator 'kind'"); a placeholder may only be a schema value."""
    if kind in _OWN_PATH:
        return
    assert kind in SENTENCES
    fields = {f for _, f, _, _ in string.Formatter().parse(SENTENCES[kind]) if f is not None}
    assert fields <= SCHEMA_CONTEXT


@pytest.mark.parametrize("kind", sorted(set(_ALL_TYPES) - _OWN_PATH))
def test_no_reason_is_pydantics_sentence_or_carries_the_input(kind: str) -> None:
    context = {"error": "Zara Probe", "tag": "Zara Probe", "discriminator": "'kind'"}
    error = {"type": kind, "loc": ("body", "x"), "input": "Zara Probe", "ctx": context}
    [reason] = validation_reasons([error])
    where, sentence = reason.split(": ", 1)
    assert where in {"x", "x.kind"}
    assert sentence.startswith(("should ", "is ", "refers ", "cannot "))
    assert "Zara" not in reason
    assert "Input" not in reason
    assert "Unable" not in reason


class _Extension(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["extension"]


class _EntryBan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["entry_ban_end"]


_Deadline = Annotated[_Extension | _EntryBan, Field(discriminator="kind")]


def _reasons(body: object) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(_Deadline).validate_python(body)
    return validation_reasons(caught.value.errors())


def test_a_missing_tag_is_required_by_its_field() -> None:
    """The tenth trial: ``{"x": 1}`` to casefile's deadlines read "kind: Unable to extract tag
    using discriminator 'kind'"."""
    assert _reasons({"x": 1}) == ["kind: is required"]


def test_a_wrong_tag_names_the_allowed_tags_as_an_enum_does() -> None:
    reasons = _reasons({"kind": "Zara Probe"})
    assert reasons == ["kind: should be 'extension' or 'entry_ban_end'"]
