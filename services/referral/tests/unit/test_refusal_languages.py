"""Choosing the language of the refusal sentences (`referral.refusals`) and the error body of a
policy refusal (`referral.api.language`), without the stack; on the stack:
``tests/integration/test_refusals_in_two_languages.py``."""

import json

import pytest
from hub_contracts import REFUSAL_TEXTS, RefusalCode
from referral.api.language import on_policy_refusal
from referral.refusals import PolicyConflictError, PolicyForbiddenError, negotiate, sentence
from starlette.requests import Request


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("nl", "nl"),
        ("nl-BE", "nl"),
        ("fr-FR, nl;q=0.8, en;q=0.5", "nl"),
        ("en;q=0.9, nl;q=0.8", "en"),
        ("nl;q=0, en", "en"),
        ("fr, de", "en"),
        ("nl;q=banana", "en"),
    ],
)
def test_the_language_from_accept_language(header: str | None, language: str) -> None:
    assert negotiate(header) == language


def test_every_refusal_sentence_has_its_own_dutch_sentence() -> None:
    for code, english in REFUSAL_TEXTS.items():
        assert sentence(english, "en") == english
        assert sentence(english, "nl") != english, f"{code} is not translated"


def test_a_sentence_outside_the_catalogue_stays_english() -> None:
    assert sentence("taken_at lies in the future.", "nl") == "taken_at lies in the future."


def _request(accept_language: str) -> Request:
    headers = [(b"accept-language", accept_language.encode())]
    return Request({"type": "http", "method": "POST", "path": "/", "headers": headers})


async def test_a_policy_refusal_keeps_its_code_and_status_in_every_language() -> None:
    codes = (RefusalCode.PARTNER_ORIGIN_AUTHORITY, RefusalCode.PURPOSE_NOT_ALLOWED_FOR_PARTNER)
    error = PolicyForbiddenError([(c.value, REFUSAL_TEXTS[c]) for c in codes])
    assert error.reason == " ".join(REFUSAL_TEXTS[c] for c in codes)  # logs stay English
    answers = {lang: await on_policy_refusal(_request(lang), error) for lang in ("nl", "en")}
    bodies = {lang: json.loads(bytes(a.body)) for lang, a in answers.items()}
    assert {a.status_code for a in answers.values()} == {403}
    assert {b["error"] for b in bodies.values()} == {"partner_origin_authority"}
    assert bodies["en"]["reasons"] == [REFUSAL_TEXTS[c] for c in codes]
    assert bodies["nl"]["reasons"] == [sentence(REFUSAL_TEXTS[c], "nl") for c in codes]
    assert bodies["nl"]["detail"] == " ".join(bodies["nl"]["reasons"])
    assert answers["nl"].headers["content-language"] == "nl"


async def test_a_closed_case_is_a_conflict_in_dutch_too() -> None:
    code = RefusalCode.CASE_CLOSED
    answer = await on_policy_refusal(
        _request("nl"), PolicyConflictError([(code.value, REFUSAL_TEXTS[code])])
    )
    body = json.loads(bytes(answer.body))
    assert (answer.status_code, body["error"]) == (409, "case_closed")
    assert body["detail"] == "Het dossier is gesloten: er wordt niets meer doorverwezen."
