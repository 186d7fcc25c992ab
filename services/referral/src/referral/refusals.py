"""The referral policy's refusals in the staff member's language (issue 18): Dutch or English.

A refusal is a code (`hub_contracts.RefusalCode`, or another closed code of a rule) and its
English sentence (`hub_contracts.REFUSAL_TEXTS`); events and logs carry the code only, and the
sentence is rendered at the HTTP edge in the language the request asks for (``Accept-Language``,
RFC 9110 section 12.5.4; English when it names neither). The translations are the gettext
catalogue of domain ``refusals`` (``locale/<lang>/LC_MESSAGES/refusals.po``, msgids = the
English sentences; the ``.mo`` files are committed and compiled by ``make catalogues``;
``tests/unit/test_refusal_catalogue.py`` fails on an untranslated sentence). Codes are the same
in every language.

`PolicyConflictError`, `PolicyInvalidError` and `PolicyForbiddenError` are the refusals whose
sentences come from the policy: they keep each (code, English sentence) so the edge can render
them one by one (`referral.api.language`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

from babel.support import Translations
from hub_runtime.errors import ConflictError, DomainError, ForbiddenError, InvalidError
from hub_runtime.languages import negotiate_language

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "refusals"
LANGUAGES: tuple[str, ...] = ("en", "nl")
DEFAULT = "en"
"""Referral's API answered in English before; a client that names no language still gets it."""


class PolicyRefusalError(DomainError):
    """A refusal made of the policy's sentences: ``sentences`` = (code, English sentence) per
    failing rule, in the policy's order; ``code`` is the first rule's, ``reason`` the English
    sentences joined (what logs and English answers show)."""

    def __init__(self, sentences: Sequence[tuple[str, str]]) -> None:
        if not sentences:
            raise ValueError("a policy refusal names at least one rule")
        super().__init__(" ".join(text for _, text in sentences), code=sentences[0][0])
        self.sentences: tuple[tuple[str, str], ...] = tuple(sentences)


class PolicyConflictError(PolicyRefusalError, ConflictError):
    """The policy refuses because of what is recorded (HTTP 409), e.g. ``case_closed``."""


class PolicyInvalidError(PolicyRefusalError, InvalidError):
    """The policy refuses the request's content (HTTP 422), e.g. a backdated consent."""


class PolicyForbiddenError(PolicyRefusalError, ForbiddenError):
    """The policy refuses the partner itself (HTTP 403): ``partner_origin_authority``, the
    status and code every service answers for that rule (it is a decision about who the
    partner is, not content the caller could correct)."""


@cache
def translations(language: str) -> Translations:
    """The compiled catalogue of ``language`` (one of `LANGUAGES`). Raises `FileNotFoundError`
    when its ``.mo`` is missing (Babel would fall back to English silently)."""
    loaded = Translations.load(str(LOCALE_DIR), [language], DOMAIN)
    if not isinstance(loaded, Translations):
        raise FileNotFoundError(f"no compiled catalogue for {language} in {LOCALE_DIR}")
    return loaded


def sentence(english: str, language: str) -> str:
    """``english`` in ``language``; a sentence the catalogue does not hold (a rule outside the
    refusal catalogue, e.g. a malformed consent period) stays English."""
    return translations(language).gettext(english)


def negotiate(accept_language: str | None) -> str:
    """The first of `LANGUAGES` in ``Accept-Language`` by weight (``nl-BE`` counts as ``nl``;
    ``q=0`` means "not this"), else `DEFAULT` (`hub_runtime.languages`)."""
    return negotiate_language(LANGUAGES, DEFAULT, accept_language)
