"""The project's one convention for gettext catalogues, checked for every catalogue there is
(the signals dashboard's, the partner portal's, referral's refusal sentences, and any added
later under a service's, the runtime's or the contracts' sources): every message translated
(not empty, not fuzzy), and the committed ``.mo`` beside each ``.po`` compiled from it as it is
now. ``make catalogues`` extracts, updates and compiles them all.

Unit-fast: files only. Each service also tests that every message its code marks is in its
catalogues (signals' ``test_catalogues``, the portal's ``test_portal_catalogues``)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*sorted((ROOT / "services").glob("*/src")), ROOT / "runtime", ROOT / "contracts"]
CATALOGUES = sorted(
    po for source in SOURCES for po in source.rglob("LC_MESSAGES/*.po") if ".venv" not in po.parts
)


def _name(po: Path) -> str:
    return str(po.relative_to(ROOT))


def _entries(read: Any) -> dict[str, str]:
    return {m.id: m.string for m in read if m.id}


def test_the_project_has_its_catalogues() -> None:
    names = {_name(po) for po in CATALOGUES}
    assert len(names) >= 6, names  # signals nl+en, the portal fr+ar, referral's refusals nl+en
    assert any("partner_gateway" in n for n in names)
    assert any("signals" in n for n in names)
    assert any("refusals.po" in n for n in names)


@pytest.mark.parametrize("po", CATALOGUES, ids=_name)
def test_every_message_is_translated(po: Path) -> None:
    with po.open("rb") as f:
        catalogue = read_po(f)
    untranslated = [m.id for m in catalogue if m.id and (not m.string or m.fuzzy)]
    assert untranslated == [], f"untranslated or fuzzy in {_name(po)}"


@pytest.mark.parametrize("po", CATALOGUES, ids=_name)
def test_the_committed_mo_is_compiled_from_the_po(po: Path) -> None:
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{_name(mo)} is missing: run `make catalogues` and commit it"
    with po.open("rb") as f:
        catalogue = read_po(f)
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    with mo.open("rb") as f:
        committed = _entries(read_mo(f))
    assert committed == _entries(read_mo(compiled)), f"stale {_name(mo)}: run `make catalogues`"
