"""`strict_json.loads` has a fast pass (jiter) and a careful one (the standard library with
hooks). The fast pass may answer only where it is sure: it must never accept a text the careful
parser refuses, nor read an accepted text as another value (issue 16: the strictness rules,
their codes and their sentences stay what they were). And it must really be the one that reads
the hub's own records, or it is only a cost."""

import json
from typing import Any

import pytest
from hub_contracts import new_envelope, subject_for
from hub_contracts.base import ContractError
from hub_contracts.examples import EXAMPLES
from hub_runtime import strict_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_NASTY = [
    b"NaN",
    b"-Infinity",
    b"Infinity",
    b"1e400",
    b"-1E+309",
    b"1" + b"0" * 400 + b".0",
    b"0." + b"0" * 99 + b"1",
    b"7" * 101,
    b"-" + b"7" * 101,
    b"7" * 5000,
    b'"\\ud800"',
    b'"\\udc00\\ud800"',
    b'"\\ud83d\\ude00"',
    b'"\xed\xa0\x80"',
    b'"\xff"',
    b'{"a":1,"a":2}',
    b'{"a":1,"\\u0061":2}',
    b'[{"k":{"x":1,"x":1}}]',
    b"[" * 250 + b"]" * 250,
    b"[" * 5000 + b"]" * 5000,
    b",",
    b"",
    b"\t",
    b"\x0c",
    b"\x00",
    b"1.",
    b".5",
    b"01",
    b"-0",
    b"-0.0e-0",
    b"4.9e-324",
    b"1e-400",
    b"1.7976931348623157e308",
    b"1.7976931348623159e308",
]


def _outcome(parse: Any, raw: bytes) -> tuple[str, str]:
    try:
        return ("value", repr(parse(raw)))  # repr: -0.0 and 0, 1 and 1.0 differ
    except strict_json.StrictJsonError as refused:
        return ("refused", str(refused))


def _assert_fast_agrees(raw: bytes) -> None:
    fast = strict_json._fast(raw)
    careful = _outcome(strict_json._careful, raw)
    if fast is not strict_json._UNSURE:
        assert careful == ("value", repr(fast)), raw[:80]
    assert _outcome(strict_json.loads, raw) == careful, raw[:80]


def _hub_records() -> list[bytes]:
    values = []
    for make in EXAMPLES.values():
        payload = make()
        try:
            subject = subject_for(payload)
        except ContractError:
            subject = "period"
        envelope = new_envelope(payload, source="casefile", subject=subject)
        values.append(envelope.to_bytes())
    return values


@pytest.mark.parametrize("nasty", _NASTY)
@pytest.mark.parametrize("where", ["alone", "member", "item"])
def test_a_nasty_text_gets_the_careful_parsers_answer(nasty: bytes, where: str) -> None:
    raw = {"alone": nasty, "member": b'{"a":' + nasty + b"}", "item": b"[1," + nasty + b"]"}
    _assert_fast_agrees(raw[where])


def test_every_refusal_keeps_its_code() -> None:
    codes = {}
    for raw in (b'{"a":1e400}', b'{"a":' + b"7" * 5000 + b"}", b'{"a":1,"a":2}', b"[NaN]"):
        with pytest.raises(strict_json.StrictJsonError) as refused:
            strict_json.loads(raw)
        codes[raw[:8]] = refused.value.code
    assert list(codes.values()) == [
        strict_json.NUMBER_TOO_LARGE,
        strict_json.NUMBER_TOO_LARGE,
        strict_json.DUPLICATE_KEY,
        strict_json.INVALID_JSON,
    ]


def test_the_fast_pass_reads_every_kind_of_hub_record() -> None:
    records = _hub_records()
    assert len(records) == len(EXAMPLES) > 30
    for raw in records:
        assert strict_json._fast(raw) is not strict_json._UNSURE, raw[:80]
        _assert_fast_agrees(raw)


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**120), max_value=10**120)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_json_values, ascii_only=st.booleans())
def test_any_json_value_reads_the_same_both_ways(value: Any, ascii_only: bool) -> None:
    _assert_fast_agrees(json.dumps(value, ensure_ascii=ascii_only).encode())


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    value=_json_values,
    splice=st.sampled_from(_NASTY) | st.binary(max_size=6),
    at=st.floats(min_value=0, max_value=1),
    cut=st.booleans(),
)
def test_a_damaged_text_gets_the_careful_parsers_answer(
    value: Any, splice: bytes, at: float, cut: bool
) -> None:
    raw = json.dumps(value).encode()
    position = int(len(raw) * at)
    damaged = raw[:position] + splice + raw[position + (len(splice) if cut else 0) :]
    _assert_fast_agrees(damaged)


@settings(max_examples=200, deadline=None)
@given(record=st.sampled_from(_hub_records()), member=st.integers(min_value=0, max_value=40))
def test_a_hub_record_with_a_member_doubled_is_refused_for_it(record: bytes, member: int) -> None:
    # Put `"name":null,` before the n-th member of any object (the envelope or its data, at
    # any depth): a string after `{` or `,` that a `:` follows is a member name.
    starts = [
        i + 1
        for i in range(len(record) - 1)
        if record[i : i + 2] in (b'{"', b',"')
        and record[record.index(b'"', i + 2) + 1 : record.index(b'"', i + 2) + 2] == b":"
    ]
    start = starts[member % len(starts)]
    name_end = record.index(b'"', start + 1) + 2
    doubled = record[:start] + record[start:name_end] + b"null," + record[start:]
    with pytest.raises(strict_json.StrictJsonError) as refused:
        strict_json.loads(doubled)
    assert refused.value.code == strict_json.DUPLICATE_KEY
    assert strict_json._fast(doubled) is strict_json._UNSURE


def test_a_text_with_a_fraction_is_read_by_the_careful_parser() -> None:
    # jiter has forgotten a float's literal (its digits; whether it overflowed): not its call.
    raw = b'{"epsilon_spent":0.5,"n":[1,2]}'
    assert strict_json._fast(raw) is strict_json._UNSURE
    assert strict_json.loads(raw) == {"epsilon_spent": 0.5, "n": [1, 2]}


def test_a_bytearray_reads_as_before() -> None:
    # Typed `bytes`, but a caller's bytearray was read before jiter came; it still is.
    body = bytearray(b'{"a":[1]}')
    assert strict_json.loads(body) == {"a": [1]}  # type: ignore[arg-type]  # on purpose


@pytest.mark.parametrize("sign", [b"", b"-"])
def test_an_integer_of_more_than_100_digits_is_refused_and_one_of_100_read(sign: bytes) -> None:
    assert strict_json.loads(sign + b"7" * 100) == int((sign + b"7" * 100).decode())
    with pytest.raises(strict_json.StrictJsonError, match=r"^number_too_large: "):
        strict_json.loads(sign + b"7" * 101)
    with pytest.raises(strict_json.StrictJsonError, match=r"^number_too_large: "):
        strict_json.loads(b'{"n": ' + sign + b"7" * 101 + b"}")
