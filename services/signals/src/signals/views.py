"""Renderings of a stored release: CSV and the printable HTML report (pure functions).

Every value in them passes hub_runtime.render (``csv_cell``, ``escape_html``): the values are
codes today, but a table's labels must never become a formula or markup tomorrow.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from hub_runtime.render import csv_cell
from hub_runtime.render import escape_html as escape

from signals.domain.catalogue import TABLES, TOTAL

SUPPRESSED_MARK = "\u2022"


def table_csv(payload: Mapping[str, Any]) -> str:
    """One row per cell: the dimensions, the count (empty when suppressed), suppressed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    dimensions: list[str] = list(payload["dimensions"])
    writer.writerow([csv_cell(name) for name in [*dimensions, "count", "suppressed"]])
    for cell in payload["cells"]:
        coordinates = cell["coordinates"]
        row = [*(coordinates[d] for d in dimensions), cell["count"]]
        writer.writerow([*(csv_cell(v) for v in row), _csv_boolean(cell["suppressed"])])
    return out.getvalue()


def _csv_boolean(value: bool) -> str:
    """``true``/``false`` as in the JSON of the same table, not Python's ``True``/``False``."""
    return "true" if value else "false"


def _value(cell: Mapping[str, Any] | None) -> str:
    if cell is None:
        return ""
    return SUPPRESSED_MARK if cell["suppressed"] else escape(cell["count"])


def _axis(payload: Mapping[str, Any], position: int) -> list[str]:
    dimension = payload["dimensions"][position]
    seen: list[str] = []
    for cell in payload["cells"]:
        value = cell["coordinates"][dimension]
        if value not in seen and value != TOTAL:
            seen.append(value)
    return [*seen, TOTAL]


def _table_html(payload: Mapping[str, Any]) -> str:
    dimensions: list[str] = list(payload["dimensions"])
    cells = {tuple(c["coordinates"][d] for d in dimensions): c for c in payload["cells"]}
    spec = TABLES.get(str(payload["table"]))
    title = escape(spec.title if spec else str(payload["table"]))
    rows = _axis(payload, 0)
    if len(dimensions) == 1:
        body = "".join(
            f"<tr><th>{escape(r)}</th><td>{_value(cells.get((r,)))}</td></tr>" for r in rows
        )
        head = f"<tr><th>{escape(dimensions[0])}</th><th>persons</th></tr>"
    else:
        columns = _axis(payload, 1)
        head = "<tr><th>{}</th>{}</tr>".format(
            escape(f"{dimensions[0]} / {dimensions[1]}"),
            "".join(f"<th>{escape(c)}</th>" for c in columns),
        )
        body = "".join(
            "<tr><th>{}</th>{}</tr>".format(
                escape(r), "".join(f"<td>{_value(cells.get((r, c)))}</td>" for c in columns)
            )
            for r in rows
        )
    table = f"<table><thead>{head}</thead><tbody>{body}</tbody></table>"
    return f"<section><h2>{title}</h2>{table}</section>"


REPORT_CSS = """
body { font-family: sans-serif; margin: 2em; color: #111; }
table { border-collapse: collapse; margin-bottom: 1.5em; font-size: 0.8em; }
th, td { border: 1px solid #999; padding: 2px 6px; text-align: right; }
th { background: #eee; text-align: left; }
section { page-break-inside: avoid; }
@media print { body { margin: 0; } .noprint { display: none; } @page { size: A4 landscape; } }
"""


def report_html(period: str, release: Mapping[str, Mapping[str, Any]]) -> str:
    """The printable report of one period: every table, the method and how to read it."""
    first = next(iter(release.values()), None)
    method = first["method"] if first else {}
    sections = "".join(_table_html(release[name]) for name in sorted(release))
    noise = method.get("noise", "none")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Signals report {escape(period)}</title><style>{REPORT_CSS}</style></head><body>"
        f"<h1>Signals report: {escape(period)}</h1>"
        "<p>Anonymous aggregates of bottlenecks, refusals, partner responses, post-return "
        "monitoring and missed time limits. Counts are persons per cell (a person counts once "
        "per cell); totals add up the cells of a row or column.</p>"
        f"<p>Disclosure control: counts under {escape(str(method.get('k_threshold', '')))} and "
        f"cells that would reveal them are withheld ({SUPPRESSED_MARK}); published counts are "
        f"rounded to multiples of {escape(str(method.get('rounding_base', '')))}, so totals may "
        f"differ from the sum of the shown cells. Noise: {escape(str(noise))}.</p>"
        "<p class='noprint'><button onclick='window.print()'>Print</button></p>"
        f"{sections}</body></html>"
    )
