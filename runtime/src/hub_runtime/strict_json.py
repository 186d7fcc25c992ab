"""Strict JSON for everything the hub reads from outside: HTTP bodies (`hub_runtime.edge`) and
Kafka records (`hub_runtime.decoding`), refused by the same rules with the same codes.

RFC 8259 with the I-JSON profile (RFC 7493): UTF-8 only; no duplicate member names at any
depth (RFC 8259 section 4 leaves their meaning open, so a consent with two `valid_until`, or an
event with two `case_id`, would mean whatever the parser happens to keep); no
`NaN`/`Infinity`; no unpaired surrogate escapes (RFC 7493 section 2.1: they cannot be stored
or encoded); no number of more than `MAX_NUMBER_DIGITS` digits or beyond a double's range
(RFC 7493 section 2.2: numbers of greater magnitude or precision than IEEE 754 binary64 do not
interoperate; Python would otherwise refuse a 5000-digit integer as "not valid JSON", its
conversion limit, and read ``1e400`` as infinity). A refusal never quotes the input: a member
name can be anything the sender wrote.
"""

import json
import math
import re
from collections.abc import Iterator
from typing import Any

INVALID_JSON = "invalid_json"
DUPLICATE_KEY = "duplicate_key"
NUMBER_TOO_LARGE = "number_too_large"

MAX_NUMBER_DIGITS = 100
"""The most digits a JSON number may have (integer, fraction and exponent together). No field
of the hub needs more than 19 (a PostgreSQL bigint); 100 leaves room for any client's
formatting of a decimal and keeps the parser's work on a number small (converting a long
integer takes time quadratic in its length)."""

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abAB]", re.ASCII)


class StrictJsonError(ValueError):
    """Input refused as JSON: ``code`` (`INVALID_JSON`, `DUPLICATE_KEY` or `NUMBER_TOO_LARGE`)
    and ``problem``, what
    is wrong in a sentence without subject ("an object has the same member name more than
    once") that quotes nothing of the input."""

    def __init__(self, code: str, problem: str) -> None:
        super().__init__(f"{code}: {problem}")
        self.code = code
        self.problem = problem


def loads(raw: bytes) -> Any:
    """``raw`` (UTF-8 JSON text) as Python values. Raises `StrictJsonError`: `DUPLICATE_KEY`
    for an object, at any depth, with a member name twice; `NUMBER_TOO_LARGE` for a number of
    more than `MAX_NUMBER_DIGITS` digits or beyond IEEE 754 binary64's range (``1e400``);
    `INVALID_JSON` for text that is not UTF-8, not JSON, nested too deeply for the parser, or
    holds NaN, Infinity or an unpaired surrogate escape.

    Cost: the standard library's C parser with a hook per object (a dict built from its pairs
    and a length compared), about 1.1 times a plain ``json.loads``; a consumer decodes a record
    in 1.5 to 2 times what the envelope's validation alone took, some 15 to 20 microseconds more
    (``bench/strict_json.py``), small beside the record's transaction."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise StrictJsonError(INVALID_JSON, "is not UTF-8 text") from None
    try:
        value = _DECODER.decode(text)
    except StrictJsonError:
        raise
    except RecursionError:
        raise StrictJsonError(INVALID_JSON, "is nested too deeply") from None
    except ValueError:
        raise StrictJsonError(INVALID_JSON, "is not valid JSON") from None
    if _SURROGATE_ESCAPE.search(raw) and any(_unpaired(s) for s in _strings(value)):
        raise StrictJsonError(INVALID_JSON, "a string holds an unpaired surrogate escape")
    return value


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        # The name is not repeated: a key can be anything the sender typed.
        raise StrictJsonError(DUPLICATE_KEY, "an object has the same member name more than once")
    return members


def _digits(number: str) -> int:
    # The parser hands over the number as written: ASCII digits, sign, ".", "e" or "E".
    return sum(character.isdigit() for character in number)


def _too_many_digits() -> StrictJsonError:
    return StrictJsonError(
        NUMBER_TOO_LARGE, f"a number has more than {MAX_NUMBER_DIGITS} digits (too large to read)"
    )


def _bounded_int(number: str) -> int:
    if len(number) > MAX_NUMBER_DIGITS + 1 and _digits(number) > MAX_NUMBER_DIGITS:
        raise _too_many_digits()
    return int(number)


def _bounded_float(number: str) -> float:
    if len(number) > MAX_NUMBER_DIGITS and _digits(number) > MAX_NUMBER_DIGITS:
        raise _too_many_digits()
    value = float(number)
    if math.isinf(value):
        raise StrictJsonError(
            NUMBER_TOO_LARGE,
            "a number is beyond the range of an IEEE 754 double (about 1.8e308; RFC 7493)",
        )
    return value


def _no_constant(_: str) -> Any:
    raise StrictJsonError(INVALID_JSON, "NaN and Infinity are not JSON numbers")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _unpaired(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# One decoder for every call, as `json.loads` keeps one for its defaults: given hooks, it builds
# a new decoder (and its C scanner) per call, which was 14% of a consumer's time (issue 16).
_DECODER = json.JSONDecoder(
    object_pairs_hook=_unique_members,
    parse_constant=_no_constant,
    parse_int=_bounded_int,
    parse_float=_bounded_float,
)
