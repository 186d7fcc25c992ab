"""The advocacy dashboard's pages as HTML (pure functions of what they show and a gettext).

Server-rendered, no script: forms and links only, so the pages work by keyboard and screen
reader and under a strict Content-Security-Policy. Every value passes
`hub_runtime.render.escape_html`; every code is shown by its label (`signals.i18n.labels`).
The figures come only from stored releases: a filter chooses a released table and, within it,
rows of its first dimension, so it can never show a cell the disclosure control did not release.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from hub_runtime.render import escape_html as esc

from signals.i18n.labels import Translate, dimension_label, label, table_title

Payload = Mapping[str, Any]

CSS = """
body { font-family: sans-serif; margin: 1.5em; color: #111; max-width: 70em; }
a { color: #0645ad; } nav, form { margin: 0.5em 0; }
label { margin-right: 0.5em; } select, button, input { font-size: 1em; padding: 0.2em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #777; padding: 3px 8px; text-align: right; }
th { background: #eee; text-align: left; } caption { text-align: left; font-weight: bold; }
td.withheld { font-style: italic; color: #444; } .error { color: #a00000; font-weight: bold; }
.explain { background: #f4f4f4; padding: 0.5em 1em; border-left: 4px solid #555; }
svg text { font-size: 12px; }
@media print {
  nav, form, .noprint { display: none; } body { margin: 0; max-width: none; }
  a { color: #111; text-decoration: none; } section { page-break-inside: avoid; }
  @page { size: A4 landscape; }
}
"""


def layout(
    title: str, body: str, language: str, _: Translate, signed_in: str = "", head: str = ""
) -> str:
    """A whole page: ``signed_in`` is the header's sign-out form (empty before sign-in);
    ``head``: more markup for the ``<head>`` (trusted, never built from input)."""
    other = "en" if language == "nl" else "nl"
    switch = _("Nederlands") if other == "nl" else _("English")
    return (
        f"<!doctype html><html lang='{esc(language)}'><head><meta charset='utf-8'>{head}"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f"<header><nav aria-label='" + esc(_("Language and account")) + f"'>"
        f"<a href='?lang={other}' lang='{other}' hreflang='{other}'>{esc(switch)}</a> {signed_in}"
        f"</nav></header><main><h1>{esc(title)}</h1>{body}</main></body></html>"
    )


def sign_in_page(_: Translate, csrf: str, message: str = "") -> str:
    """The sign-in form (``message``: a refusal or a notice, already translated)."""
    notice = f"<p class='error' role='alert'>{esc(message)}</p>" if message else ""
    local = _(
        "The council's account sign-in is not set up for this dashboard:"
        " sign in with your local dashboard account."
    )
    return (
        f"{notice}<p>{esc(local)}</p><form method='post' action='/dashboard/sign-in'>"
        f"<input type='hidden' name='csrf_token' value='{esc(csrf)}'>"
        f"<p><label for='username'>" + esc(_("Username")) + "</label>"
        "<input id='username' name='username' autocomplete='username' required></p>"
        "<p><label for='password'>" + esc(_("Password")) + "</label>"
        "<input id='password' name='password' type='password'"
        " autocomplete='current-password' required></p>"
        "<p><button type='submit'>" + esc(_("Sign in")) + "</button></p></form>"
    )


def sign_out_form(_: Translate, username: str, csrf: str) -> str:
    """The header's "signed in as" and sign-out button."""
    return (
        "<form method='post' action='/dashboard/sign-out' style='display:inline'>"
        "<span>" + esc(_("Signed in as {name}").format(name=username)) + "</span> "
        f"<input type='hidden' name='csrf_token' value='{esc(csrf)}'>"
        f"<button type='submit'>" + esc(_("Sign out")) + "</button></form>"
    )


def _options(choices: Sequence[tuple[str, str]], chosen: str) -> str:
    return "".join(
        f"<option value='{esc(v)}'{' selected' if v == chosen else ''}>{esc(text)}</option>"
        for v, text in choices
    )


def filter_form(
    _: Translate,
    periods: Sequence[str],
    tables: Sequence[str],
    rows: Sequence[str],
    chosen: Mapping[str, str],
    first_dimension: str,
) -> str:
    """The filters (a GET form: reading changes nothing): period, table, and one row of the
    table's first dimension (``""`` = every row)."""
    row_choices = [("", _("All")), *((r, label(first_dimension, r, _)) for r in rows)]
    return (
        "<form method='get' action='/dashboard' aria-label='" + esc(_("Filters")) + "'>"
        "<label for='period'>" + esc(_("Month")) + f"</label><select id='period' name='period'>"
        f"{_options([(p, p) for p in periods], chosen['period'])}</select> "
        f"<label for='table'>" + esc(_("Table")) + f"</label><select id='table' name='table'>"
        f"{_options([(t, table_title(t, _)) for t in tables], chosen['table'])}</select> "
        f"<label for='row'>{esc(dimension_label(first_dimension, _))}</label>"
        f"<select id='row' name='row'>{_options(row_choices, chosen['row'])}</select> "
        f"<button type='submit'>" + esc(_("Show")) + "</button></form>"
    )


def axis(payload: Payload, position: int) -> list[str]:
    """The codes of dimension ``position`` in the table's cells, first seen first, total last."""
    dimension = payload["dimensions"][position]
    seen: list[str] = []
    for cell in payload["cells"]:
        value = cell["coordinates"][dimension]
        if value not in seen and value != "total":
            seen.append(value)
    return (
        [*seen, "total"]
        if any(c["coordinates"][dimension] == "total" for c in payload["cells"])
        else seen
    )


def _value(cell: Payload | None, _: Translate) -> str:
    if cell is None:
        return "<td></td>"
    if cell["suppressed"]:
        return "<td class='withheld'>" + esc(_("withheld")) + "</td>"
    return f"<td>{esc(cell['count'])}</td>"


def table_html(payload: Payload, _: Translate, rows: Sequence[str] | None = None) -> str:
    """One released table with labels; ``rows`` keeps only these codes of the first dimension
    (None: all). Withheld cells say so in words."""
    dims: list[str] = list(payload["dimensions"])
    cells = {tuple(c["coordinates"][d] for d in dims): c for c in payload["cells"]}
    shown = [r for r in axis(payload, 0) if rows is None or r in rows]
    caption = f"<caption>{esc(table_title(str(payload['table']), _))}</caption>"
    if len(dims) == 1:
        head = (
            f"<tr><th scope='col'>{esc(dimension_label(dims[0], _))}</th>"
            f"<th scope='col'>" + esc(_("Persons")) + "</th></tr>"
        )
        body = "".join(
            f"<tr><th scope='row'>{esc(label(dims[0], r, _))}</th>{_value(cells.get((r,)), _)}</tr>"
            for r in shown
        )
    else:
        columns = axis(payload, 1)
        corner = f"{dimension_label(dims[0], _)} / {dimension_label(dims[1], _)}"
        head = (
            f"<tr><th scope='col'>{esc(corner)}</th>"
            + "".join(f"<th scope='col'>{esc(label(dims[1], c, _))}</th>" for c in columns)
            + "</tr>"
        )
        body = "".join(
            f"<tr><th scope='row'>{esc(label(dims[0], r, _))}</th>"
            + "".join(_value(cells.get((r, c)), _) for c in columns)
            + "</tr>"
            for r in shown
        )
    name = esc(payload["table"])
    return f"<table data-table='{name}'>{caption}<thead>{head}</thead><tbody>{body}</tbody></table>"


def explain_disclosure(method: Payload, _: Translate) -> str:
    """How the figures are protected, in words, with this release's k and rounding base."""
    k, base = method.get("k_threshold", ""), method.get("rounding_base", "")
    noise = ""
    if method.get("noise", "none") != "none":
        noise = (
            "<p>"
            + esc(
                _(
                    "Before rounding, random noise was added to every cell (differential privacy,"
                    " epsilon {epsilon} per table), so that no figure depends on one person."
                ).format(epsilon=method.get("epsilon_spent"))
            )
            + "</p>"
        )
    parts = [
        _("Every figure counts persons, not events: a person counts at most once in a cell."),
        _(
            "A cell with fewer than {k} persons is withheld, and so is every other cell or"
            " total from which it could be worked out (for example a row's total minus its"
            " other cells). A withheld cell is not zero: it is not shown."
        ).format(k=k),
        _(
            "Published figures are rounded to a multiple of {base} (and never below {k}), so"
            " that the arrival of one person cannot be seen between two tables. A total may"
            " therefore differ from the sum of the cells shown."
        ).format(base=base, k=k),
        _(
            "The filters only choose among the tables signals publishes, and rows within them:"
            " no other combination of characteristics can be requested."
        ),
    ]
    items = "".join(f"<p>{esc(p)}</p>" for p in parts)
    heading = esc(_("How the figures are protected"))
    return (
        "<section class='explain' aria-labelledby='explain'>"
        f"<h2 id='explain'>{heading}</h2>{items}{noise}</section>"
    )


def monitoring_section(payload: Payload | None, _: Translate) -> str:
    """Post-return monitoring outcomes: the evidence for the non-refoulement check."""
    intro = esc(
        _(
            "Partners report how persons fare in the months after their return. Problems with"
            " authorities or third parties after return are the evidence the council publishes"
            " to check that no one was returned into danger (non-refoulement)."
        )
    )
    table = table_html(payload, _) if payload else "<p>" + esc(_("Not in this release.")) + "</p>"
    heading = esc(_("Post-return monitoring"))
    return (
        "<section aria-labelledby='monitoring'>"
        f"<h2 id='monitoring'>{heading}</h2><p>{intro}</p>{table}</section>"
    )


def bar_chart(payload: Payload, _: Translate, rows: Sequence[str] | None = None) -> str:
    """Row totals of the first dimension as horizontal bars (inline SVG, no script); withheld
    rows are named as such, never drawn as zero."""
    dims: list[str] = list(payload["dimensions"])
    wanted = ("total",) * (len(dims) - 1)
    totals = {
        c["coordinates"][dims[0]]: c
        for c in payload["cells"]
        if tuple(c["coordinates"][d] for d in dims[1:]) == wanted
        and c["coordinates"][dims[0]] != "total"
        and (rows is None or c["coordinates"][dims[0]] in rows)
        and (c["suppressed"] or c["count"])
    }
    if not totals:
        return ""
    high = max([10, *(c["count"] or 0 for c in totals.values())])
    row, width = 20, 760
    parts = []
    for i, (code, cell) in enumerate(totals.items()):
        y = row * i
        parts.append(f"<text x='0' y='{y + 14}'>{esc(label(dims[0], code, _))}</text>")
        if cell["suppressed"]:
            parts.append(f"<text x='360' y='{y + 14}'>" + esc(_("withheld")) + "</text>")
        else:
            bar = max(1, cell["count"] * 340 // high)
            parts.append(
                f"<rect x='360' y='{y + 3}' height='{row - 6}' width='{bar}' fill='#1f5f9f'"
                f" data-bar='{esc(code)}'></rect>"
                f"<text x='{366 + bar}' y='{y + 14}'>{esc(cell['count'])}</text>"
            )
    name = esc(_("Persons per {dimension}").format(dimension=dimension_label(dims[0], _)))
    return (
        f"<figure><svg role='img' aria-label='{name}' width='{width}' height='{row * len(totals)}'"
        f" data-chart='bars'>{''.join(parts)}</svg><figcaption>{name}</figcaption></figure>"
    )


def link(path: str, **query: str) -> str:
    """A same-site link with a query."""
    return f"{path}?{urlencode(query)}"
