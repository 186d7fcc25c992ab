"""Renderings of a stored release say the same as its JSON."""

from __future__ import annotations

import json
from typing import Any

from signals.views import table_csv

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
