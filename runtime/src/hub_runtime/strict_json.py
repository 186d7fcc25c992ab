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

import jiter

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

    Two ways, one answer. Usually one pass of jiter (pydantic's JSON parser, in Rust), which
    refuses duplicate member names, NaN, Infinity, bad UTF-8 and unpaired surrogates itself;
    it reads numbers differently (``1e400`` as infinity, any number of digits), so it answers
    only for a text whose numbers are all integers of at most `MAX_NUMBER_DIGITS` digits, the
    hub's own records. For any other text (refused by jiter, or with a fraction or an exponent,
    or a longer integer) the standard library's parser with the hooks below reads it again
    and decides, code and sentence: a refusal is worded as it always was, and the fast pass
    never accepts what the careful one refuses (``runtime/tests/test_strict_json_fast_path.py``
    holds it to that).

    Cost (``bench/decode_ab.py``, process CPU time, alternating): on one record of each event
    type (661 bytes on average) 4.8 us against 6.5 us for the careful parser alone (0.745);
    a consumer's whole `hub_runtime.decoding.decode_record` 20.3 against 21.5 us (0.945), the
    rest being pydantic's validation of the envelope and the payload. A refused input, or one
    with a fraction or an exponent, pays both passes."""
    value = _fast(raw)
    if value is _UNSURE:
        return _careful(raw)
    return value


_UNSURE = object()
_DIGITS_LIMIT = 10**MAX_NUMBER_DIGITS  # an integer this large has more than the digits allowed


def _fast(raw: bytes) -> Any:
    """The value of ``raw`` when jiter's pass is sure it is strict JSON, else `_UNSURE`."""
    try:
        # Member names only in jiter's string cache: values may be personal data (HTTP bodies)
        # and must not outlive the request in a process-wide cache.
        value = jiter.from_json(
            raw, allow_inf_nan=False, catch_duplicate_keys=True, cache_mode="keys"
        )
    except (ValueError, TypeError):  # TypeError: a bytearray, which the careful one reads
        return _UNSURE  # refused, or deeper than jiter's limit: the careful parser says which
    return value if _integers_only(value) else _UNSURE


def _integers_only(value: Any) -> bool:
    """Whether every number in ``value`` is an integer of at most MAX_NUMBER_DIGITS digits.

    A JSON integer has no leading zeros, so its digits are those of its magnitude. A float
    is not judged here: its literal (how many digits; whether it overflowed to infinity) is
    gone once jiter has read it."""
    kind = type(value)
    if kind is not dict and kind is not list:
        return kind is not float and (kind is not int or -_DIGITS_LIMIT < value < _DIGITS_LIMIT)
    pending = [value]
    while pending:
        container = pending.pop()
        for item in container.values() if type(container) is dict else container:
            kind = type(item)
            if kind is str:  # most of a record: tested first (this loop is a third of `loads`)
                continue
            if kind is dict or kind is list:
                pending.append(item)
            elif kind is float or (kind is int and not -_DIGITS_LIMIT < item < _DIGITS_LIMIT):
                return False
    return True


def _careful(raw: bytes) -> Any:
    """`loads` by the standard library's C parser with a hook per object and number (about
    1.1 times a plain ``json.loads``): the reference, and the one that words every refusal."""
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
    if _SURROGATE_ESCAPE.search(raw) and any(has_unpaired_surrogate(s) for s in _strings(value)):
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
    # The length is a cheap first test; the digits decide (a sign is not a digit).
    if len(number) > MAX_NUMBER_DIGITS and _digits(number) > MAX_NUMBER_DIGITS:
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


def has_unpaired_surrogate(text: str) -> bool:
    """True when ``text`` holds a lone surrogate (no Unicode scalar value: it cannot be UTF-8,
    RFC 3629 section 3), e.g. a byte that was not UTF-8, as Python's ``surrogateescape`` reads
    it."""
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
