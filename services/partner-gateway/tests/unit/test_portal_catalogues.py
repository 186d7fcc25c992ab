"""The portal's catalogues: every message the code and templates use is in every language's
catalogue, translated (not empty, not fuzzy), with the same placeholders; and the languages are
chosen as documented."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from partner_gateway.api.portal import i18n

PORTAL = Path(i18n.__file__).parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TRANSLATED = [lang for lang in i18n.LANGUAGES if lang != i18n.SOURCE]


def used_messages() -> set[str]:
    """What the sources mark for translation now (as `make catalogues` extracts it)."""
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
    keywords = {"_": None, "gettext": None, "N_": None}
    found = extract_from_dir(str(PORTAL), method_map, options_map=options, keywords=keywords)
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def catalogue(language: str) -> dict[str, tuple[str, bool]]:
    with i18n.po_path(language).open("rb") as po:
        read = read_po(BytesIO(po.read()), locale=language)
    return {m.id: (m.string, m.fuzzy) for m in read if m.id and isinstance(m.id, str)}


def test_the_sources_mark_messages_at_all() -> None:
    used = used_messages()
    assert len(used) > 50
    assert "Sign in" in used  # a template's
    assert "Safety concern" in used  # a label's


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_in_every_catalogue(language: str) -> None:
    entries = catalogue(language)
    missing = sorted(used_messages() - entries.keys())
    assert missing == [], f"not in the {language} catalogue (run make catalogues)"
    untranslated = sorted(m for m, (text, fuzzy) in entries.items() if not text.strip() or fuzzy)
    assert untranslated == [], f"untranslated or fuzzy in {language}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders(language: str) -> None:
    for message, (text, _) in catalogue(language).items():
        assert set(PLACEHOLDER.findall(message)) == set(PLACEHOLDER.findall(text)), message


def test_the_catalogues_compile_and_translate() -> None:
    translations = i18n.load()
    assert translations["fr"].gettext("Sign in") == "Se connecter"
    assert translations["ar"].gettext("Sign in") == "تسجيل الدخول"
    assert translations["en"].gettext("Sign in") == "Sign in"


@pytest.mark.parametrize(
    ("cookie", "header", "chosen"),
    [
        ("ar", "fr-FR,fr;q=0.9", "ar"),  # the user's choice wins
        (None, "fr-BE,fr;q=0.9,en;q=0.5", "fr"),
        (None, "nl-NL,nl;q=0.9,ar;q=0.8,fr;q=0.1", "ar"),  # best one the portal has
        (None, "de, fr;q=0", "en"),  # q=0 means "not this one"
        ("xx", None, "en"),
        (None, "ar-MA", "ar"),
    ],
)
def test_the_language_comes_from_the_choice_then_accept_language(
    cookie: str | None, header: str | None, chosen: str
) -> None:
    assert i18n.choose(cookie, header) == chosen
