"""The one text type (hub_contracts.text): every class of bad text refused, good text kept."""

import unicodedata
from typing import Annotated

import pytest
from hub_contracts.text import HumanLines, HumanName, HumanText, grapheme_count
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

NAME = TypeAdapter(HumanName)
LINES = TypeAdapter(HumanLines)
REASON = TypeAdapter(Annotated[str, HumanText(2000, lines=True, min_graphemes=10)])


def refused(adapter: TypeAdapter[str], value: str) -> str:
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(value)
    [error] = caught.value.errors()
    message = str(error["msg"])
    assert value.strip() == "" or value not in message  # the sentence never quotes the text
    return message


def test_nul_is_refused_everywhere() -> None:
    """The issue's input: a NUL reached PostgreSQL (500)."""
    assert "control character" in refused(NAME, "pc_\u0000x")
    assert "control character" in refused(LINES, "first line\n\u0000")


@pytest.mark.parametrize(
    "value",
    [
        "Amina\u0007",  # BEL: another C0 control (same class as NUL: category Cc)
        "Amina\u0085",  # NEXT LINE: a C1 control that some readers break lines on
        "Amina\nTestpersoon",  # a line break where a field has one line (forged headings)
        "Amina\u2028## Decision",  # LINE SEPARATOR: a line break that is not Cc
    ],
)
def test_other_controls_and_line_breaks_are_refused_in_one_line_text(value: str) -> None:
    refused(NAME, value)


def test_lines_keep_tab_and_line_feed_and_unify_carriage_returns() -> None:
    assert LINES.validate_python("first\r\nsecond\rthird\tend") == "first\nsecond\nthird\tend"


def test_nfc_and_nfd_spellings_are_one_value() -> None:
    nfd = unicodedata.normalize("NFD", "Zoë Çelik")
    assert nfd != "Zoë Çelik"
    assert NAME.validate_python(nfd) == "Zoë Çelik" == NAME.validate_python("Zoë Çelik")


def test_zero_width_joiners_inside_words_are_kept() -> None:
    """Persian, Kurdish and Pashto names need ZWNJ/ZWJ between letters."""
    persian = "\u0641\u0631\u0632\u0627\u0646\u0647\u200c\u0646\u0698\u0627\u062f"
    assert NAME.validate_python(persian) == persian
    half_form = "\u0915\u094d\u200d\u0937"  # Devanagari: ZWJ after a virama (a mark)
    assert NAME.validate_python(half_form) == half_form


@pytest.mark.parametrize(
    "value",
    [
        "\u200b" * 10,  # the review reason of ten zero-width spaces
        "\u200dAmina",  # a joiner at the start of a word joins nothing
        "Amina \u200c Testpersoon",  # a non-joiner between spaces
        "Amina\u202eTestpersoon",  # RIGHT-TO-LEFT OVERRIDE: shows another text than it holds
        "Amina\u00ad",  # SOFT HYPHEN
        "Amina\U000e0041",  # a TAG character (hides ASCII from readers)
        "\ufeffAmina",  # BYTE ORDER MARK
    ],
)
def test_format_characters_are_refused(value: str) -> None:
    """Category Cf outside ZWJ/ZWNJ-inside-words: invisible, or reorders what is shown; the
    sentence says which (the seventh trial: an RTL override got the joiners' sentence)."""
    message = refused(NAME, value)
    if "\u202e" in value:
        assert "bidirectional control" in message
    elif "\u200c" in value or "\u200d" in value:
        assert "joiner" in message
    else:
        assert "invisible format character" in message
        assert "joiner" not in message


@pytest.mark.parametrize(
    "value",
    [
        "\u3164\u3164",  # HANGUL FILLER: a letter (Lo) that shows nothing; not in the issue
        "\uffa0",  # HALFWIDTH HANGUL FILLER
        "\u2800\u2800",  # BRAILLE PATTERN BLANK: a symbol that shows nothing
        "\u0301\u0301",  # combining marks alone
        "\u00a0\u3000 ",  # white space only (no-break and ideographic spaces)
    ],
)
def test_text_must_show_something(value: str) -> None:
    """The issue's name made only of invisible characters, in characters that are letters."""
    message = refused(NAME, value)
    assert "shows nothing" in message or "empty" in message


def test_surrogates_and_noncharacters_are_refused() -> None:
    """JSON "\\ud800" decodes to a lone surrogate, which cannot be written as UTF-8 (500)."""
    refused(NAME, "Amina\ud800")
    refused(NAME, "Amina\uffff")


def test_length_is_counted_in_grapheme_clusters() -> None:
    decomposed = "e\u0301" * 200  # 400 code points, 200 characters a reader sees
    assert NAME.validate_python(decomposed) == "é" * 200
    flags = "\U0001f1f3\U0001f1f1" * 200  # 400 code points, 200 flags
    assert grapheme_count(NAME.validate_python(flags)) == 200
    assert "at most 200" in refused(NAME, "x" * 201)
    assert "at least 10" in refused(REASON, "a reason")
    assert "at most 200" in refused(NAME, "a" + "\u0301" * 5000)  # bounded work first


def test_spaces_are_unified_and_trimmed_in_one_line_text() -> None:
    assert NAME.validate_python("  Amina\u00a0Testpersoon\u3000") == "Amina Testpersoon"


def test_only_strings_are_text() -> None:
    with pytest.raises(ValidationError):
        NAME.validate_python(12)


def test_the_json_schema_states_the_bounds() -> None:
    schema = NAME.json_schema()
    assert schema["type"] == "string"
    assert schema["x-max-graphemes"] == 200
    assert schema["maxLength"] >= 200


@given(st.text(max_size=60))
def test_whatever_is_accepted_is_clean_and_stable(value: str) -> None:
    try:
        text = LINES.validate_python(value)
    except ValidationError:
        return
    assert unicodedata.is_normalized("NFC", text)
    assert text == text.strip()
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        assert category not in ("Cc", "Cs", "Zl", "Zp") or ch in "\t\n"
        if category == "Cf":
            assert ch in "\u200c\u200d"
            assert 0 < i < len(text) - 1
    assert LINES.validate_python(text) == text  # normalising twice changes nothing


@given(st.text(min_size=1, max_size=30), st.sampled_from(["\x00", "\x1b", "\u202e", "\u200b"]))
def test_a_hidden_character_anywhere_is_refused(value: str, hidden: str) -> None:
    middle = len(value) // 2
    with pytest.raises(ValidationError):
        NAME.validate_python(value[:middle] + hidden + value[middle:] + "x")
