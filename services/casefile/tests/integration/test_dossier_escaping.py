"""The buitenschuld dossier in Markdown keeps its structure whatever a person's data says
(issue 13, class 4: one escaping function for every rendered document).

The structure is checked by parsing the served document with a CommonMark parser
(markdown-it-py, GFM tables on): headings, list items and table cells are those of the
template, and no raw HTML, link or image comes through.
"""

from datetime import date
from typing import Any

import pytest
from casefile.api.markdown import dossier_markdown
from hub_runtime.auth import Role
from markdown_it import MarkdownIt
from markdown_it.token import Token

pytestmark = pytest.mark.integration

PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
HEADINGS = ["Buitenschuld dossier: own efforts to obtain travel documents", "Efforts"]
FORBIDDEN = {"html_inline", "html_block", "link_open", "image", "em_open", "strong_open"}


def _headings(tokens: list[Token]) -> list[str]:
    return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]


def _inline_types(tokens: list[Token]) -> set[str]:
    return {c.type for t in tokens for c in (t.children or [])} | {t.type for t in tokens}


def test_a_name_with_a_line_break_and_a_heading_forges_nothing() -> None:
    """The issue's failing input, through the renderer itself (whether a name may hold a line
    break at all is the text type's rule; the renderer must be safe either way)."""
    dossier = {
        "case_id": "c1",
        "generated_on": date(2026, 1, 5).isoformat(),
        "person": {"name": "Amina\n## Decision\nReturn approved", "date_of_birth": "1990-01-01"},
        "country_of_origin": "SY",
        "stage": "final_rejection",
        "efforts": [],
    }
    tokens = PARSER.parse(dossier_markdown(dossier))
    assert _headings(tokens) == HEADINGS
    assert not _inline_types(tokens) & FORBIDDEN


async def test_the_served_dossier_keeps_its_structure(casefile: Any) -> None:
    """Over HTTP on the real stack. Same class, inputs not in the issue: markup in a name (raw
    HTML, a link, emphasis, a heading mark) and a multi-line note (a field that allows lines)
    with a heading, a table row of its own and a script."""
    name = "Amina <img src=x onerror=alert(1)> [x](javascript:alert(1)) **B** ## Decision"
    person = {**casefile.case_body()["person"], "name": name}
    case_id = await casefile.open_case(person=person, stage="final_rejection")
    headers = casefile.token(Role.COUNSELLOR)
    note = "Was sent away\n\n## Decision\n\n| forged | row |\n<script>alert(1)</script>"
    effort = {
        "kind": "embassy_visit",
        "occurred_on": "2025-10-01",
        "authority": "embassy",
        "outcome": "refused",
        "evidence_refs": ["photo:visit-1"],
        "note": note,
    }
    recorded = await casefile.http.post(f"/cases/{case_id}/efforts", json=effort, headers=headers)
    assert recorded.status_code == 201, recorded.text

    served = await casefile.http.get(
        f"/cases/{case_id}/buitenschuld-dossier", params={"format": "markdown"}, headers=headers
    )
    assert served.status_code == 200, served.text
    tokens = PARSER.parse(served.text)
    assert _headings(tokens) == HEADINGS
    assert not _inline_types(tokens) & FORBIDDEN
    rows = [t for t in tokens if t.type == "tr_open"]
    assert len(rows) == 2  # the header and the one effort: the note added no row
    texts = [" ".join(c.content for c in (t.children or [])) for t in tokens if t.type == "inline"]
    assert any("<img src=x onerror=alert(1)>" in text for text in texts), texts
    assert any("<script>alert(1)</script>" in text for text in texts), texts
    # The JSON form is data, not a document: it carries the values as they were entered.
    document = (
        await casefile.http.get(f"/cases/{case_id}/buitenschuld-dossier", headers=headers)
    ).json()
    assert document["person"]["name"] == name
    assert document["efforts"][0]["note"] == note
