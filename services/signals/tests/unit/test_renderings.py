"""Renderings of a stored release say the same as its JSON."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from signals.views import report_html, table_csv

PAYLOAD: dict[str, Any] = {
    "table": "deadlines_missed",
    "dimensions": ["kind"],
    "cells": [
        {"coordinates": {"kind": "departure_period"}, "count": 15, "suppressed": False},
        {"coordinates": {"kind": "appeal"}, "count": None, "suppressed": True},
    ],
}


def test_the_csv_writes_suppressed_as_the_json_does() -> None:
    lines = table_csv(PAYLOAD).splitlines()
    assert lines == ["kind,count,suppressed", "departure_period,15,false", "appeal,,true"]
    as_json = [json.dumps(cell["suppressed"]) for cell in PAYLOAD["cells"]]
    assert [line.rsplit(",", 1)[1] for line in lines[1:]] == as_json


HOSTILE: dict[str, Any] = {
    "table": "<script>alert(1)</script>",
    "method": {"k_threshold": 10, "rounding_base": 5, "noise": "none"},
    "dimensions": ["kind"],
    "cells": [
        {
            "coordinates": {"kind": '=HYPERLINK("https://evil.example")'},
            "count": 15,
            "suppressed": False,
        },
        {
            "coordinates": {"kind": "<img src=x onerror=alert(1)>"},
            "count": None,
            "suppressed": True,
        },
    ],
}


def test_a_label_never_becomes_a_formula_or_markup() -> None:
    """Issue 13, class 4. Today every label is a closed code, so no HTTP input reaches here:
    the renderers are tested as the pure functions they are, with labels that would be a
    spreadsheet formula (OWASP CSV injection) or HTML."""
    rows = list(csv.reader(io.StringIO(table_csv(HOSTILE))))
    assert rows[1][0] == '\'=HYPERLINK("https://evil.example")'
    html = report_html("2025-01", {"t": HOSTILE})
    assert "<script>" not in html
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
