"""The dashboard's gettext catalogues (Babel): every message translated in every language,
the committed ``.mo`` files compiled from the ``.po`` files as they are, every message the code
marks present in the catalogues, and a label for every code of every published table."""

from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from signals.domain.catalogue import TABLES
from signals.i18n import LANGUAGES, LOCALE_DIR, negotiate, translations
from signals.i18n.labels import CODES, DIMENSIONS, TABLE_TITLES

SOURCE = Path(__file__).resolve().parents[2] / "src" / "signals"


def catalogue(language: str):  # type: ignore[no-untyped-def]  # babel's Catalog is untyped
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language: str) -> None:
    untranslated = [m.id for m in catalogue(language) if m.id and (not m.string or m.fuzzy)]
    assert untranslated == [], f"untranslated in {language}: {untranslated}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_is_compiled_from_the_po(language: str) -> None:
    compiled = BytesIO()
    write_mo(compiled, catalogue(language))
    compiled.seek(0)
    expected = {m.id: m.string for m in read_mo(compiled) if m.id}
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        committed = {m.id: m.string for m in read_mo(f) if m.id}
    assert committed == expected, "stale .mo: run `make catalogues`"


def test_every_message_of_the_code_is_in_the_catalogues() -> None:
    marked = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(SOURCE), keywords={"_": None, "gettext": None, "N_": None}
        )
    }
    for language in LANGUAGES:
        ids = {m.id for m in catalogue(language) if m.id}
        assert marked - ids == set(), f"not in {language}: run `make catalogues`"


def test_every_code_of_every_table_has_a_label() -> None:
    for spec in TABLES.values():
        assert spec.name in TABLE_TITLES
        for dimension in spec.dimensions:
            assert dimension.name in DIMENSIONS
            for code in dimension.values or ():
                assert code in CODES[dimension.name] or code == "unknown", (dimension.name, code)


def test_dutch_is_dutch() -> None:
    _ = translations("nl").gettext
    assert _("Reception ended: on the street") == "Opvang beëindigd: op straat"
    assert translations("en").gettext("Sign in") == "Sign in"


@pytest.mark.parametrize(
    ("choice", "header", "language"),
    [
        ("en", "nl", "en"),
        (None, "en-GB,en;q=0.9,nl;q=0.8", "en"),
        (None, "fr, nl-BE;q=0.5, en;q=0.4", "nl"),
        (None, "en;q=0, nl;q=0.1", "nl"),
        (None, "fr", "nl"),
        (None, None, "nl"),
        ("xx", "en", "en"),
        (None, "en;q=bad, nl;q=0.2", "nl"),
    ],
)
def test_the_language_is_the_choice_then_accept_language(
    choice: str | None, header: str | None, language: str
) -> None:
    assert negotiate(choice, header) == language
