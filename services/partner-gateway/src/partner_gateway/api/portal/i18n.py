"""The portal's languages: gettext catalogues (Babel's ``.po`` files in ``locale/``), the
language from the user's choice (a cookie) or ``Accept-Language`` (RFC 9110 §12.5.4).

English is the source language (the messages themselves); French and Arabic have catalogues.
The project's one convention for every catalogue: the compiled ``.mo`` is committed beside its
``.po`` and read at start (plain gettext: no compiling at run time), ``make catalogues``
extracts, updates and compiles every catalogue of the project, and a test
(``tests/catalogues``) fails on an untranslated message or a stale ``.mo`` (see the gateway
README).
"""

from __future__ import annotations

import gettext
from pathlib import Path

from hub_runtime.languages import negotiate_language

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
SOURCE = "en"
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "ar": "العربية"}
"""The portal's languages, each named in itself (what a reader looks for)."""
RIGHT_TO_LEFT = frozenset({"ar"})
COOKIE = "portal_lang"


def po_path(language: str) -> Path:
    """The catalogue of ``language``."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def load() -> dict[str, gettext.NullTranslations]:
    """Every language's translations: the source's are the identity; the others read from
    their committed ``.mo`` (compiled by ``make catalogues``). Raises OSError when a catalogue
    is missing."""
    out: dict[str, gettext.NullTranslations] = {SOURCE: gettext.NullTranslations()}
    for language in LANGUAGES:
        if language == SOURCE:
            continue
        with po_path(language).with_suffix(".mo").open("rb") as mo:
            out[language] = gettext.GNUTranslations(mo)
    return out


def choose(cookie: str | None, accept_language: str | None) -> str:
    """The page's language: the user's choice, else the best of ``Accept-Language`` the
    portal has, else English (`hub_runtime.languages`)."""
    return negotiate_language(LANGUAGES, SOURCE, accept_language, cookie)
