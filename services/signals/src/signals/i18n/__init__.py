"""Languages of the advocacy dashboard: Dutch and English (gettext catalogues through Babel).

The catalogues are ``i18n/locale/<lang>/LC_MESSAGES/messages.po`` (sources) and ``.mo``
(compiled, committed so that the service runs without a build step; `make catalogues`
extracts, updates and compiles them, and ``tests/unit/test_catalogues.py`` fails when a
``.mo`` is stale or a message is untranslated in either language).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.support import Translations
from hub_runtime.languages import negotiate_language

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
LANGUAGES: tuple[str, ...] = ("nl", "en")
DEFAULT = "nl"
"""The council works in Dutch: the language when a browser asks for neither."""


@cache
def translations(language: str) -> Translations:
    """The compiled catalogue of ``language`` (one of `LANGUAGES`). Raises `FileNotFoundError`
    when its ``.mo`` is missing (Babel would fall back to untranslated text silently)."""
    loaded = Translations.load(str(LOCALE_DIR), [language], DOMAIN)
    if not isinstance(loaded, Translations):
        raise FileNotFoundError(f"no compiled catalogue for {language} in {LOCALE_DIR}")
    return loaded


def negotiate(choice: str | None, accept_language: str | None) -> str:
    """The page's language: the user's ``choice`` (a cookie or ``?lang=``) when it is one of
    `LANGUAGES`, else the first of `LANGUAGES` in ``Accept-Language`` by weight (RFC 9110
    section 12.5.4; ``nl-BE`` counts as ``nl``), else `DEFAULT` (`hub_runtime.languages`)."""
    return negotiate_language(LANGUAGES, DEFAULT, accept_language, choice)
