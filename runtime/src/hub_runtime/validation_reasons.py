"""Readable reasons for pydantic's validation errors, the one mapping every service's 422 uses
(`hub_runtime.http`): ``<field path>: <what is expected>``, e.g. ``person.date_of_birth: should
be a day that exists, written YYYY-MM-DD (RFC 3339 full-date)``.

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
from string import Formatter
from typing import Any

from pydantic_core import PydanticKnownError

# Context values pydantic takes from the schema (allowed tags and values, patterns, bounds,
# type names), never from the input. A reason is built from these and the field path only.
_SCHEMA_CONTEXT = frozenset(
    {
        "class",
        "class_name",
        "decimal_places",
        "discriminator",
        "encoding",
        "expected",
        "expected_plural",
        "expected_schemes",
        "expected_tags",
        "expected_version",
        "field_type",
        "ge",
        "gt",
        "le",
        "lt",
        "max_digits",
        "max_length",
        "method_name",
        "min_length",
        "multiple_of",
        "pattern",
        "tz_expected",
        "whole_digits",
    }
)
# Our own words where pydantic's sentence would read badly once the input-derived part
# (a tag, a length, a parser detail) is cut off.
_OWN_WORDS = {
    "union_tag_invalid": "should be one of the tags {expected_tags}",
    # pydantic's "List should have at least 1 item" names the Python type (the fifth trial).
    "too_short": "should have at least {min_length} item{expected_plural}",
    "too_long": "should have at most {max_length} item{expected_plural}",
    "string_too_short": "should have at least {min_length} character{expected_plural}",
    "string_too_long": "should have at most {max_length} character{expected_plural}",
    "string_not_ascii": "should be written in ASCII characters only",
    "none_required": "should be null",
    "multiple_of": "should be a multiple of {multiple_of}",
    "finite_number": "should be a finite number",
    "set_type": "should be a JSON array",
    "frozen_set_type": "should be a JSON array",
    "tuple_type": "should be a JSON array",
    # A URL: pydantic's "Input should be a valid URL" and "URL input should be a string or URL"
    # (the fifth trial). What a URL needs is RFC 3986's; the parser's detail is left out.
    "url_type": "should be a URL written as a JSON string",
    "url_parsing": "should be an absolute URL with a scheme and a host, e.g. https://example.org/",
    "url_syntax_violation": (
        "should be an absolute URL with a scheme and a host, e.g. https://example.org/"
    ),
    "url_scheme": "should be a URL whose scheme is {expected_schemes}",
    "url_too_long": "should be a URL of at most {max_length} character{expected_plural}",
    "timezone_offset": "Timezone offset of {tz_expected} required",
    "no_such_attribute": "Object has no such attribute",
    # pydantic's words name Python types ("a valid dictionary or instance of PersonIn"); a tool
    # developer reads JSON.
    "missing": "is required",
    "model_type": "should be a JSON object",
    "dict_type": "should be a JSON object",
    "model_attributes_type": "should be a JSON object",
    "list_type": "should be a JSON array",
    "string_type": "should be a JSON string",
    "bool_type": "should be true or false",
    "bool_parsing": "should be true or false",
    "int_type": "should be a whole number",
    "int_parsing": "should be a whole number",
    "int_from_float": "should be a whole number, not a decimal",
    "float_type": "should be a number",
    "float_parsing": "should be a number",
    "uuid_type": "should be a UUID written as text (RFC 9562)",
    "uuid_parsing": "should be a UUID (RFC 9562), 32 hexadecimal digits in groups of 8-4-4-4-12",
    # An id read over HTTP (`hub_contracts.ids`: a path, a query, a body): one spelling each.
    "uuid_not_canonical": (
        "should be a UUID in its canonical form (RFC 9562): 32 lower-case hexadecimal digits in"
        " groups of 8-4-4-4-12 joined by hyphens, without braces or a urn:uuid: prefix"
    ),
    # pydantic's "Input should be greater than or equal to 1" named the input; the bounds are
    # the schema's.
    "greater_than_equal": "should be {ge} or more",
    "greater_than": "should be more than {gt}",
    "less_than_equal": "should be {le} or less",
    "less_than": "should be less than {lt}",
    # pydantic's "Input should be 'advocacy' or 'admin'": the allowed values are the schema's
    # closed codes; only "Input" goes (the fourth trial).
    "literal_error": "should be {expected}",
    "enum": "should be {expected}",
    # pydantic quotes the regular expression; the field's pattern is in the API description.
    "string_pattern_mismatch": (
        "is not written in the form this field takes (its pattern is in the API description)"
    ),
    # "a valid date or datetime" said neither the format nor that the day does not exist
    # (2026-02-30). The date parser's own detail ("day value is outside expected range") is
    # left out: the sentence says both, and only the hub's words are shown (the fourth trial).
    "date_parsing": "should be a day that exists, written YYYY-MM-DD (RFC 3339 full-date)",
    "date_from_datetime_parsing": (
        "should be a day that exists, written YYYY-MM-DD (RFC 3339 full-date)"
    ),
    "date_type": "should be a day, written YYYY-MM-DD (RFC 3339 full-date)",
    "datetime_type": "should be a moment, written as an RFC 3339 date-time with an offset",
    "datetime_parsing": (
        "should be a moment that exists, written as an RFC 3339 date-time with an offset,"
        " e.g. 2026-03-01T09:30:00Z"
    ),
    "datetime_from_date_parsing": (
        "should be a moment that exists, written as an RFC 3339 date-time with an offset,"
        " e.g. 2026-03-01T09:30:00Z"
    ),
}
# Validators written in the services raise these with a fixed sentence meant for people.
_VALIDATOR_ERRORS = frozenset({"value_error", "assertion_error"})
# pydantic's length errors of a sized value, and what they are when the value is a string.
_LENGTH_ERRORS = {"too_short": "string_too_short", "too_long": "string_too_long"}
_TAG_ERRORS = frozenset({"union_tag_invalid", "union_tag_not_found"})
_COUNTED_BOUNDS = ("min_length", "max_length", "max_digits", "decimal_places", "whole_digits")
_SHORTEST_ECHO = 3  # shorter input fragments match by chance and identify nobody

UNKNOWN_FIELD = (
    "has a field this request does not take (an unknown field's name is not repeated: it could"
    " be personal data; the API description lists the fields)"
)


def validation_reasons(errors: Sequence[Any]) -> list[str]:
    """Readable reasons (field path and what is wrong) that never echo the input, which may be
    personal data: no submitted value, no unknown key, nothing a parser quoted from either.
    One reason per distinct sentence (two unknown keys of one object give one reason)."""
    return list(dict.fromkeys(_reason(error) for error in errors))


def _reason(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if kind == "extra_forbidden":
        # The last part of the path is the unknown key itself: name its object only.
        return f"{_path(tuple(error.get('loc', ()))[:-1]) or 'body'}: {UNKNOWN_FIELD}"
    return f"{_where(kind, error) or 'body'}: {_message(kind, error)}"


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
    template = _OWN_WORDS.get(kind) or _pydantic_template(kind, context)
    if template is None:
        return f"is not valid ({kind or 'invalid'})"
    values = {k: v for k, v in context.items() if k in _SCHEMA_CONTEXT}
    values.setdefault("expected_plural", _plural(values))
    try:
        return _schema_part(template).format(**values)
    except (KeyError, IndexError, ValueError):
        return f"is not valid ({kind})"


def _plural(values: Mapping[str, Any]) -> str:
    """pydantic's "s" of "5 characters", which its error context does not always carry."""
    bounds = [values[k] for k in _COUNTED_BOUNDS if k in values]
    return "" if bounds == [1] else "s"


def _pydantic_template(kind: str, context: Mapping[str, Any]) -> str | None:
    try:
        # pydantic-core types `kind` as a Literal of its error types; any string is tried here
        # and an unknown one raises, which is handled below.
        template = PydanticKnownError(kind, dict(context) or None)  # type: ignore[arg-type]
        return template.message_template
    except (KeyError, TypeError):  # a custom error type pydantic does not know
        return None


def _schema_part(template: str) -> str:
    """The template up to its first placeholder that pydantic fills from the input (a parser
    detail, the wrong tag, the actual length): "Invalid JSON: {error}" -> "Invalid JSON"."""
    for _, field, _, _ in Formatter().parse(template):
        if field is not None and field not in _SCHEMA_CONTEXT:
            cut = template[: template.index("{" + field)]
            return cut.rstrip(" ,:'") or "is not valid"
    return template


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
