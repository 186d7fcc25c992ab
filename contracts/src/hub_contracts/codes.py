"""Codes, cursors, numbers and lists as the HTTP and command layers accept them: whole and ASCII.

Three faults of one class are closed here once:

- a pattern matched with ``re.match`` and ``$`` accepts a trailing line feed ("2024-01\\n"),
  and ``\\d`` or ``str.isdigit`` accept other digits ("١٢", "²"): :class:`AsciiCode` matches
  the whole value (``re.fullmatch``) with ``re.ASCII``; write ``[0-9]``, never ``\\d``;
- a number without an upper bound reaches PostgreSQL beyond ``bigint`` (500):
  :class:`BoundedInt` requires both bounds, and a number given as text (a query parameter)
  must be ASCII digits, without pydantic's ``_`` separators;
- a list without bounds or with repeats ("10,001 times NL"): :class:`UniqueItems` refuses
  repeated items; bound the length with ``Field(max_length=...)`` beside it.

Use them as metadata: ``Annotated[str, AsciiCode(r"[A-Z]{2}")]``,
``Annotated[int, BoundedInt(0, MAX_OFFSET)]``, ``Annotated[list[X], UniqueItems()]``.
Reasons say in words what a code looks like (``AsciiCode(..., words=...)``) or quote the
bounds, never the input nor a regular expression (a person reads the reason).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

PG_BIGINT_MAX = 2**63 - 1
"""Largest PostgreSQL ``bigint``; no bound may lie above it."""

MAX_OFFSET = 1_000_000
"""Largest offset of a paged list: far beyond any list the council keeps (a deeper page is a
mistake or a probe) and far below ``bigint``."""

_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+", re.ASCII)
_BIGINT_DIGITS = 19  # more digits than any bigint has: out of range, not parsed


UNSHAPED_CODE = (
    "is not a code of the form this field takes (ASCII; its pattern is in the API description)"
)


@dataclass(frozen=True)
class AsciiCode:
    """A code matched whole against ``pattern`` with ASCII semantics (``re.fullmatch``).

    ``pattern`` is written without anchors; the JSON Schema says ``^(?:pattern)$``.
    ``max_length`` is checked before the pattern (bounded work on long input). ``words``: what
    the code looks like, for the refusal's sentence ("should be <words>"); without it the
    sentence sends the reader to the pattern in the API description.
    """

    pattern: str
    max_length: int = 256
    words: str = ""

    def __post_init__(self) -> None:
        if "\\d" in self.pattern or "\\w" in self.pattern or "\\s" in self.pattern:
            raise ValueError("write ASCII classes ([0-9], [A-Za-z0-9_], ' ') in codes")

    def validate(self, value: str) -> str:
        """The value itself when it matches whole; ValueError (saying in `words` what is
        expected, never the value nor the pattern) otherwise."""
        if len(value) > self.max_length or re.fullmatch(self.pattern, value, re.ASCII) is None:
            raise ValueError(f"should be {self.words}" if self.words else UNSHAPED_CODE)
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            self.validate, core_schema.str_schema(strict=True)
        )

    def json_schema(self) -> JsonSchemaValue:
        """The JSON Schema of the code (also for places pydantic does not fill in, such as
        ``propertyNames`` of a map whose keys are codes)."""
        return {"type": "string", "pattern": f"^(?:{self.pattern})$", "maxLength": self.max_length}

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return self.json_schema()


@dataclass(frozen=True)
class BoundedInt:
    """A whole number within ``[ge, le]``; as text only ASCII digits with an optional sign."""

    ge: int
    le: int

    def __post_init__(self) -> None:
        if not -PG_BIGINT_MAX - 1 <= self.ge <= self.le <= PG_BIGINT_MAX:
            raise ValueError("bounds must be ordered and fit a PostgreSQL bigint")

    def _digits_only(self, value: Any) -> Any:
        # true/false and 3.0 are not whole numbers to a person typing one (pydantic's lax int
        # would take them as 1 and 3).
        if isinstance(value, bool | float):
            raise ValueError("should be a whole number, not true, false or a decimal")
        if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value) is None:
            raise ValueError("should be a whole number written with the digits 0-9")
        if isinstance(value, str) and len(value.lstrip("+-").lstrip("0")) > _BIGINT_DIGITS:
            # All digits, but too many to be in range (a new user's trial was told it was
            # "not written with the digits 0-9"); not parsed: a long one costs time.
            raise ValueError(f"should be a whole number from {self.ge} to {self.le}")
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(
            self._digits_only, core_schema.int_schema(ge=self.ge, le=self.le)
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "integer", "minimum": self.ge, "maximum": self.le}


@dataclass(frozen=True)
class UniqueItems:
    """A list whose items are all different (``uniqueItems`` in JSON Schema)."""

    @staticmethod
    def _unique(items: list[Any]) -> list[Any]:
        if len(set(items)) != len(items):
            raise ValueError("lists an item more than once")
        return items

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._unique, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["uniqueItems"] = True
        return json_schema


Offset = Annotated[int, BoundedInt(0, MAX_OFFSET)]
"""How many items of a paged list to skip."""

CURSOR = AsciiCode(r"[0-9]{1,18}", words="a cursor as the list gave it out: 1 to 18 digits 0-9")
"""An opaque position an API gave out: a sequence number below 10**18, in ASCII digits."""

Cursor = Annotated[str, CURSOR]

ClientId = Annotated[
    str,
    AsciiCode(
        r"[A-Za-z0-9_-]{1,128}", words="a client id: 1 to 128 ASCII letters, digits, _ and -"
    ),
]
"""A partner API client id: ASCII letters, digits, ``_`` and ``-`` (the gateway issues
``pc_`` and 16 hex digits; a well-formed unknown id is a 401, as OAuth 2.0 says, not a 422)."""

ClientSecret = Annotated[
    str,
    AsciiCode(
        r"[!-~]{1,256}",
        max_length=256,
        words="a client secret: 1 to 256 visible ASCII characters, no space",
    ),
]
"""A client secret as typed or stored by a partner: printable ASCII, no spaces."""

PERIOD = AsciiCode(
    r"(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])",
    7,
    words="a month written YYYY-MM, e.g. 2026-03",
)
"""A calendar month written ``YYYY-MM`` (ISO 8601 calendar month), years 0001 to 9999: there
is no year 0000 in the calendar (Python's ``date`` starts at year 1). The year is spelled out
without a look-ahead such as ``(?!0000)``: that is outside the regular expressions JSON Schema
asks tools to support (JSON Schema 2020-12 core, section 6.4), and the pattern is part of
committed event schemas."""

Period = Annotated[str, PERIOD]
