"""The referral policy's refusal sentences in Dutch and English (issue 18): a gettext catalogue
(domain ``refusals``) whose messages are exactly `hub_contracts.REFUSAL_TEXTS`, every one
translated in both languages, the committed ``.mo`` compiled from its ``.po``.

Referral's answers render these sentences in the language of ``Accept-Language``
(`referral.refusals`, tested in ``test_refusal_languages.py`` and on the stack in
``tests/integration/test_refusals_in_two_languages.py``).
"""

from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from hub_contracts import REFUSAL_TEXTS, RefusalCode

LOCALE = Path(__file__).resolve().parents[2] / "src" / "referral" / "locale"
LANGUAGES = ("nl", "en")


def catalogue(language: str):  # type: ignore[no-untyped-def]  # babel's Catalog is untyped
    with (LOCALE / language / "LC_MESSAGES" / "refusals.po").open("rb") as f:
        return read_po(f, locale=language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_refusal_sentence_is_in_the_catalogue_and_translated(language: str) -> None:
    messages = {m.id: m for m in catalogue(language) if m.id}
    assert set(messages) == set(REFUSAL_TEXTS.values()), "update refusals.po (see its header)"
    untranslated = [m.id for m in messages.values() if not m.string or m.fuzzy]
    assert untranslated == [], f"untranslated in {language}: {untranslated}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_is_compiled_from_the_po(language: str) -> None:
    compiled = BytesIO()
    write_mo(compiled, catalogue(language))
    compiled.seek(0)
    expected = {m.id: m.string for m in read_mo(compiled) if m.id}
    with (LOCALE / language / "LC_MESSAGES" / "refusals.mo").open("rb") as f:
        committed = {m.id: m.string for m in read_mo(f) if m.id}
    assert committed == expected, "stale .mo: run `make catalogues`"


def test_a_refusal_in_dutch() -> None:
    dutch = Translations.load(str(LOCALE), ["nl"], "refusals")
    assert isinstance(dutch, Translations)
    sentence = dutch.gettext(REFUSAL_TEXTS[RefusalCode.PARTNER_ORIGIN_AUTHORITY])
    assert sentence == "Autoriteiten van het land van herkomst ontvangen nooit persoonsgegevens."
