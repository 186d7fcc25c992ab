"""One escaping function per format (issue 13, class 4): a value means exactly its text.

Markdown is checked by parsing the result with a CommonMark parser (markdown-it-py, GFM
tables and strikethrough on): the document must have exactly the structure of its template.
"""

import csv
import io

import pytest
from hub_runtime.render import csv_cell, escape_html, escape_markdown
from markdown_it import MarkdownIt

PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])

HOSTILE = [
    "Amina\n## Decision\nReturn approved",  # the input: a forged heading
    "<script>alert(1)</script>",  # the issue: HTML passed through raw
    # Same class, not in the issue: each would change the document's structure.
    "Amina\r\n\r\n# Title",  # CR LF line breaks and a paragraph break
    "Amina\u2028## Decision",  # a Unicode line separator
    "[click](javascript:alert(1))",  # a link
    "![x](https://tracker.example/p.png)",  # an image that calls home when printed
    "<https://evil.example>",  # an autolink
    "**bold** _em_ `code` ~~struck~~",  # emphasis, code, strikethrough
    "a | b | c",  # extra table cells
    "- not a list",
    "1. not a list",
    "> not a quote",
    "=== not an underline",
    "&lt;b&gt; entity",  # entities must stay literal text
    "back\\slash\\*",
]


def _tokens(markdown: str) -> list[str]:
    return [t.type for t in PARSER.parse(markdown)]


def _text(markdown: str) -> str:
    """The plain text of everything inline in the parsed document."""
    out = []
    for token in PARSER.parse(markdown):
        for child in token.children or []:
            out.append(child.content if child.type in ("text", "code_inline") else "")
    return "".join(out)


@pytest.mark.parametrize("value", HOSTILE)
def test_a_value_in_a_list_item_stays_one_plain_text(value: str) -> None:
    template = "# Dossier\n\n- Name: {}\n- Stage: final_rejection\n"
    expected = _tokens(template.format("x"))
    rendered = template.format(escape_markdown(value))
    assert _tokens(rendered) == expected
    inline = [t for t in PARSER.parse(rendered) if t.type == "inline"][1]
    assert [c.type for c in inline.children or []] == ["text"], inline.children
    flat = " ".join(value.replace("\r\n", "\n").replace("\r", "\n").split())
    assert " ".join(inline.children[0].content.split()) == "Name: " + flat  # type: ignore[index]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_value_in_a_table_cell_stays_in_its_cell(value: str) -> None:
    def table(cell: str) -> str:
        return f"| a | b |\n|---|---|\n| {cell} | z |\n"

    rendered = table(escape_markdown(value))
    assert _tokens(rendered) == _tokens(table("x"))
    assert "z" in _text(rendered)
    assert "<" not in PARSER.render(rendered).replace("<t", "").replace("</t", "")


def test_codes_and_dates_stay_readable() -> None:
    assert escape_markdown("final_rejection") == "final_rejection"
    assert escape_markdown("2025-10-01") == "2025-10-01"
    assert escape_markdown("photo:visit-1") == "photo:visit-1"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ('" onmouseover="x', "&#34; onmouseover=&#34;x"),
        ("Tom & Jerry's", "Tom &amp; Jerry&#39;s"),
        (5, "5"),
    ],
)
def test_escape_html(value: object, expected: str) -> None:
    assert escape_html(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("https://evil.example","x")',  # OWASP's example class
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1,2)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_a_formula_is_text_in_csv(value: str) -> None:
    out = io.StringIO()
    csv.writer(out).writerow([csv_cell(value), csv_cell(7), csv_cell(None)])
    first, seven, empty = next(csv.reader(io.StringIO(out.getvalue())))
    assert first == "'" + value
    assert (seven, empty) == ("7", "")


def test_plain_cells_are_unchanged() -> None:
    assert csv_cell("travel_documents_refused") == "travel_documents_refused"
    assert csv_cell(-3) == "-3"  # a number is not a formula
