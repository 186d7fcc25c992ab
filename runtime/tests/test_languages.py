"""One Accept-Language negotiation for every face of the hub (RFC 9110 section 12.5.4)."""

import pytest
from hub_runtime.languages import MAX_LANGUAGE_RANGES, accepted_languages, negotiate_language


@pytest.mark.parametrize(
    ("header", "ranked"),
    [
        (None, []),
        ("", []),
        ("nl-BE;q=0.8, en", ["en", "nl"]),
        ("fr;q=0.5, ar;q=0.5, en;q=0.1", ["fr", "ar", "en"]),  # ties keep the header's order
        ("nl;q=0, en;q=0.2", ["en"]),  # q=0: not this
        ("nl;q=abc, en;q=0.2", ["en"]),  # a malformed quality counts as 0
        ("EN-gb ; Q=0.9 , *;q=0.1", ["en", "*"]),
        (" , ;q=1, de", ["de"]),
    ],
)
def test_the_header_is_ranked_by_quality_then_order(header: str | None, ranked: list[str]) -> None:
    assert accepted_languages(header) == ranked


def test_a_long_header_is_read_only_up_to_its_bound() -> None:
    header = ",".join(["xx"] * MAX_LANGUAGE_RANGES + ["nl"])
    assert "nl" not in accepted_languages(header)


@pytest.mark.parametrize(
    ("choice", "header", "language"),
    [
        ("nl", "en", "nl"),  # the user's choice first
        ("de", "nl;q=0.5, en;q=0.4", "nl"),  # a choice we do not have is ignored
        (None, "de, fr;q=0.3", "fr"),  # the best one we have
        (None, "de", "en"),  # the default
        (None, None, "en"),
    ],
)
def test_the_choice_then_the_header_then_the_default(
    choice: str | None, header: str | None, language: str
) -> None:
    assert negotiate_language({"en", "nl", "fr"}, "en", header, choice) == language
