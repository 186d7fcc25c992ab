"""Readable reasons for pydantic's validation errors, the one mapping every service's 422 uses
(`hub_runtime.http`) and every dead letter's cause (`hub_contracts.errors`): ``<field path>:
<what is expected>``, e.g. ``person.date_of_birth: should be a day that exists, written
YYYY-MM-DD (RFC 3339 full-date)``. The sentences are `hub_contracts.validation_words`.

The field path is dotted, list positions in brackets (``household[0].relation``; ``path.``
or ``query.`` for a URL parameter, ``body`` for the body as a whole). The sentence says what is
expected in JSON's terms, built from what pydantic takes from the schema (bounds, patterns,
allowed values) and never from the input: a submitted value may be personal data, so no value
and nothing a parser quoted from one is repeated.

An unknown member of an object (pydantic's ``extra_forbidden``) is never named: a key can be
anything the sender typed (a surname used as a key, ``{"haddad": 1}``, is written exactly like a
field name), so the reason names the object that has it only, e.g. ``person: has a field this
request does not take`` (`UNKNOWN_FIELD`; the fifth new user's trial). The request's fields are
in the API description.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from hub_contracts.validation_words import NOT_VALID, SCHEMA_CONTEXT, SENTENCES

# Validators written in the services raise these with a fixed sentence meant for people.
_VALIDATOR_ERRORS = frozenset({"value_error", "assertion_error"})
# An unknown member of an object, or an unknown keyword of a call: the last part of the path is
# the key as sent.
_UNKNOWN_KEY_ERRORS = frozenset({"extra_forbidden", "unexpected_keyword_argument"})
# pydantic's length errors of a sized value, and what they are when the value is a string.
_LENGTH_ERRORS = {"too_short": "string_too_short", "too_long": "string_too_long"}
_TAG_ERRORS = frozenset({"union_tag_invalid", "union_tag_not_found"})
_COUNTED_BOUNDS = ("min_length", "max_length", "max_digits", "decimal_places", "whole_digits")
_SHORTEST_ECHO = 3  # shorter input fragments match by chance and identify nobody

UNKNOWN_FIELD = (
    "has a field this request does not take (an unknown field's name is not repeated: it could"
    " be personal data; the API description lists the fields)"
)


def validation_reasons(errors: Sequence[Any], *, unknown: str = UNKNOWN_FIELD) -> list[str]:
    """Readable reasons, ``<field path>: <sentence>`` (``body`` for the whole), that never echo
    the input, which may be personal data: no submitted value, no unknown key, nothing a parser
    quoted from either. One reason per distinct sentence (two unknown keys of one object give
    one reason). ``unknown`` is the sentence for an object with a member it does not take."""
    return list(
        dict.fromkeys(f"{where or 'body'}: {what}" for where, what in located(errors, unknown))
    )


def located(errors: Sequence[Any], unknown: str = UNKNOWN_FIELD) -> list[tuple[str, str]]:
    """Each error as (field path, or "" for the whole; the hub's sentence), in order: the parts
    `validation_reasons` joins, for a caller that frames them otherwise (a dead letter's cause,
    `hub_contracts.errors`)."""
    return [_reason(error, unknown) for error in errors]


def _reason(error: Mapping[str, Any], unknown: str) -> tuple[str, str]:
    kind = str(error.get("type", ""))
    if kind in _UNKNOWN_KEY_ERRORS:
        # The last part of the path is the unknown key itself: name its object only.
        return _path(tuple(error.get("loc", ()))[:-1]), unknown
    return _where(kind, error), _message(kind, error)


def _where(kind: str, error: Mapping[str, Any]) -> str:
    loc = tuple(error.get("loc", ()))
    discriminator = (error.get("ctx") or {}).get("discriminator")
    if kind in _TAG_ERRORS and discriminator:  # the tag's field, named by the schema
        return _path((*loc, str(discriminator).strip("'")))
    return _path(loc)


def _path(loc: Sequence[Any]) -> str:
    """``household[0].relation``: names joined by dots, list positions in brackets (the form
    casefile's own reasons use too)."""
    path = ""
    for position, part in enumerate(loc):
        if isinstance(part, int):
            path += f"[{part}]"
        elif position > 0 or part != "body":  # FastAPI's first part, the body as a whole
            path += f".{part}" if path else str(part)
    return path


def _message(kind: str, error: Mapping[str, Any]) -> str:
    context = error.get("ctx") or {}
    if kind in _VALIDATOR_ERRORS:
        return _validator_message(str(context.get("error", "")), error.get("input"))
    if kind in _LENGTH_ERRORS and isinstance(error.get("input"), str):
        # A secret's length (``SecretStr`` with ``max_length``) is checked by pydantic as a
        # sized value's, "too_long", that the words above count in items (the seventh trial:
        # "password: should have at most 128 items"). A JSON string's length is characters.
        kind = _LENGTH_ERRORS[kind]
    # Never pydantic's own template: a type without a sentence (a service's custom error, one
    # a newer pydantic adds) is said generically.
    template = SENTENCES.get(kind, NOT_VALID)
    values = {k: v for k, v in context.items() if k in SCHEMA_CONTEXT}
    values.setdefault("expected_plural", _plural(values))
    if "expected_tags" in values:  # "'a', 'b', 'c'" -> "'a', 'b' or 'c'", as an enum's
        values["expected_tags"] = " or ".join(str(values["expected_tags"]).rsplit(", ", 1))
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return NOT_VALID


def _plural(values: Mapping[str, Any]) -> str:
    """pydantic's "s" of "5 characters", which its error context does not always carry."""
    bounds = [values[k] for k in _COUNTED_BOUNDS if k in values]
    return "" if bounds == [1] else "s"


def _validator_message(text: str, submitted: Any) -> str:
    """A validator's own sentence, unless it quotes the input (then only that it failed).

    An object's own validator (``give at least one of location_type, region``) is given the
    object: its member names are not compared, its values are. They are the model's field
    names: pydantic runs an object's validator only once its fields are valid, and an
    unknown member is refused before (``extra="forbid"``, every request model). Comparing
    them made ``{"region": null}`` read "is not valid" (the fifth new user's trial)."""
    if isinstance(submitted, Mapping):
        submitted = list(submitted.values())
    echoed = any(fragment in text for fragment in _text_fragments(submitted))
    return "is not valid" if echoed or not text else text


def _text_fragments(submitted: Any) -> list[str]:
    """Every text of the submitted value long enough to recognise: leaves, keys, numbers."""
    if isinstance(submitted, Mapping):
        items = [*submitted.keys(), *submitted.values()]
        return [f for item in items for f in _text_fragments(item)]
    if isinstance(submitted, list | tuple | set | frozenset):
        return [f for item in submitted for f in _text_fragments(item)]
    text = str(submitted)
    return [text] if len(text) >= _SHORTEST_ECHO else []
