"""The one text type for every string a person types: names, addresses, reasons, notes.

``Annotated[str, HumanText(max_graphemes, lines=False)]`` (or the aliases at the end) is
the pydantic type that every HTTP body and command model uses for human-entered text. A value
passes when, after normalisation, it

- is NFC (Unicode Standard Annex #15): the NFC and NFD spellings of one name are one value;
  every space separator (U+00A0, U+3000, ...) becomes U+0020; a multi-line text has CR LF
  and CR turned into LF (browsers send text areas as CR LF); spaces, tabs and line feeds at
  both ends are removed;
- holds no control character (category Cc, NUL included: PostgreSQL refuses NUL in text and
  a NUL-terminated reader would cut the value), except tab and line feed in a field that
  allows lines; no line or paragraph separator (U+2028, U+2029); no surrogate (it cannot be
  written as UTF-8) and no noncharacter (U+FFFE, U+FDD0..U+FDEF, ...);
- holds no format character (category Cf: bidi overrides that reorder what a reader sees,
  soft hyphens, zero-width spaces, tag characters that smuggle hidden ASCII), except ZERO
  WIDTH NON-JOINER (U+200C) and ZERO WIDTH JOINER (U+200D) between two letters or marks:
  Persian, Kurdish (Sorani) and Pashto spell names with them (Unicode Standard ch. 23.2);
- shows something: at least one letter, digit, punctuation or symbol that is not a default
  ignorable code point (the Hangul fillers U+3164 and U+FFA0 are letters that show nothing)
  and not the blank braille pattern U+2800;
- has from ``min_graphemes`` to ``max_graphemes`` user-perceived characters (extended
  grapheme clusters, UAX #29, counted with the ``regex`` package's ``\\X``): "é" typed as
  e + U+0301 is one, a flag is one. A code-point bound of ``CODE_POINTS_PER_GRAPHEME`` times
  that is checked first, so an endless run of combining marks is refused before it is
  segmented.

Reasons name what is wrong, never the submitted text (it may be personal data).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any

import regex
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

ZWNJ = "\u200c"
ZWJ = "\u200d"
CODE_POINTS_PER_GRAPHEME = 8
"""Code points allowed per grapheme on average (a bound on work, not on any script: the
longest clusters of living scripts, e.g. a Devanagari conjunct with marks, stay under it)."""

_GRAPHEME = regex.compile(r"\X")
_VISIBLE = regex.compile(
    r"[[\p{L}\p{N}\p{P}\p{S}]--[\p{Default_Ignorable_Code_Point}\u2800]]", regex.V1
)
_JOINABLE = ("L", "M")  # categories a ZWJ/ZWNJ may stand between (letters, marks)
_LINE_BREAKS = ("\r\n", "\r")


class TextError(ValueError):
    """A text refused; the message is a sentence about the text, never a quote of it."""


def _is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def normalise(value: str, *, lines: bool) -> str:
    """NFC, with space separators as U+0020 and (multi-line) CR LF and CR as LF, without
    spaces, tabs and line feeds at both ends. Refuses nothing."""
    text = unicodedata.normalize("NFC", value)
    if lines:
        for brk in _LINE_BREAKS:
            text = text.replace(brk, "\n")
    text = "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in text)
    # Only these: str.strip() would also drop controls (U+001C..U+001F, U+0085) unseen.
    return text.strip(" \t\n")


def problem(text: str, *, lines: bool) -> str | None:
    """Why a normalised text is refused (a sentence without its content), or None."""
    allowed_controls = "\t\n" if lines else ""
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        if category == "Cc" and ch not in allowed_controls:
            if lines:
                return "contains a control character (only tab and line feed are allowed)"
            return "contains a control character or line break (not allowed in this field)"
        if category in ("Zl", "Zp"):
            return "contains a Unicode line or paragraph separator (use a line feed)"
        if category == "Cs" or _is_noncharacter(ord(ch)):
            return "contains a code point that is not a character"
        if category == "Cf" and not _joiner_inside_word(text, i):
            return _format_problem(ch)
    if _VISIBLE.search(text) is None:
        return "shows nothing: it has no visible letter, digit, punctuation or symbol"
    return None


_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""The bidirectional formatting characters of UAX #9 section 2 (marks, embeddings, overrides,
isolates): they change the order in which a text is shown, not what it holds."""


def _format_problem(ch: str) -> str:
    """The sentence for a refused format character (category Cf): a bidirectional control is
    named as one (the seventh trial: an RTL override got the joiners' sentence)."""
    if ch in _BIDI_CONTROLS:
        return (
            "contains a bidirectional control character (a direction mark, embedding, override"
            " or isolate): it changes the order in which the text is shown; the letters' own"
            " direction is kept without it"
        )
    if ch in (ZWNJ, ZWJ):
        return "contains a zero-width joiner or non-joiner that is not between two letters"
    return "contains an invisible format character"


def _joiner_inside_word(text: str, i: int) -> bool:
    if text[i] not in (ZWNJ, ZWJ) or i == 0 or i == len(text) - 1:
        return False
    before = unicodedata.category(text[i - 1])[0]
    after = unicodedata.category(text[i + 1])[0]
    return before in _JOINABLE and after in _JOINABLE


def grapheme_count(text: str) -> int:
    """User-perceived characters (extended grapheme clusters, UAX #29)."""
    return sum(1 for _ in _GRAPHEME.finditer(text))


def check_text(
    value: str, *, max_graphemes: int, lines: bool = False, min_graphemes: int = 1
) -> str:
    """The normalised text, or :class:`TextError` with a sentence saying what is wrong."""
    if len(value) > max_graphemes * CODE_POINTS_PER_GRAPHEME:
        raise TextError(f"is too long: at most {max_graphemes} characters")
    text = normalise(value, lines=lines)
    if not text:
        raise TextError("is empty or only white space")
    reason = problem(text, lines=lines)
    if reason is not None:
        raise TextError(reason)
    count = grapheme_count(text)
    if count > max_graphemes:
        raise TextError(f"is too long: at most {max_graphemes} characters")
    if count < min_graphemes:
        raise TextError(f"is too short: at least {min_graphemes} characters")
    return text


@dataclass(frozen=True)
class HumanText:
    """Pydantic metadata for a human-entered text field: ``Annotated[str, HumanText(200)]``.

    ``max_graphemes`` and ``min_graphemes`` bound the length in user-perceived characters;
    ``lines=True`` allows tab and line feed (notes, reasons); names and other one-line fields
    leave it False. The model holds the normalised text. The JSON Schema gives ``maxLength``
    in code points (what JSON Schema counts) and the grapheme bound as ``x-max-graphemes``.
    """

    max_graphemes: int
    lines: bool = False
    min_graphemes: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.min_graphemes <= self.max_graphemes:
            raise ValueError("need 1 <= min_graphemes <= max_graphemes")

    def validate(self, value: str) -> str:
        """The normalised text; :class:`TextError` (a ValueError) when it is refused."""
        return check_text(
            value,
            max_graphemes=self.max_graphemes,
            lines=self.lines,
            min_graphemes=self.min_graphemes,
        )

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            self.validate, core_schema.str_schema(strict=True)
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        kind = "several lines" if self.lines else "one line"
        return {
            "type": "string",
            "minLength": 1,
            "maxLength": self.max_graphemes * CODE_POINTS_PER_GRAPHEME,
            "x-max-graphemes": self.max_graphemes,
            "description": f"Text a person typed, {kind}, {self.min_graphemes} to "
            f"{self.max_graphemes} characters (grapheme clusters); stored NFC; no control or "
            "invisible format characters; something visible required.",
        }


HumanName = Annotated[str, HumanText(200)]
"""A person's or an organisation's name: one line, up to 200 characters."""

HumanLine = Annotated[str, HumanText(200)]
"""Any other one-line text a person types (a service offered, a short label)."""

HumanLines = Annotated[str, HumanText(4000, lines=True)]
"""A note or reason of several lines, up to 4000 characters."""
