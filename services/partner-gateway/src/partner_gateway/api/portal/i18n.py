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


def _accepted(header: str) -> list[str]:
    """The primary language tags of an ``Accept-Language`` header, best first (q=0 dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.strip().lower().split("-")[0]))
    return [tag for _, _, tag in sorted(ranked)]


def choose(cookie: str | None, accept_language: str | None) -> str:
    """The page's language: the user's choice, else the best of ``Accept-Language`` the
    portal has, else English."""
    if cookie in LANGUAGES:
        return cookie
    for tag in _accepted(accept_language or ""):
        if tag in LANGUAGES:
            return tag
    return SOURCE
