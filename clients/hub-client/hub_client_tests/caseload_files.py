"""Caseload files for the tests: good rows and the 20 bad ones, with what must be reported."""

import csv
import string
from datetime import date, timedelta
from pathlib import Path

from hub_client.caseload import COLUMNS

HEADER = [c.name for c in COLUMNS]


def name_of(i: int) -> str:
    letters = string.ascii_lowercase
    return f"Kittest Persoon-{letters[i // 676 % 26]}{letters[i // 26 % 26]}{letters[i % 26]}"


def good_row(i: int, today: date) -> dict[str, str]:
    row = {
        "person_name": name_of(i),
        "date_of_birth": date(1970 + i % 25, 1 + i % 12, 1 + i % 28).isoformat(),
        "phone": "+31 6 1234 5678" if i % 2 else "",
        "languages": "ar;fa" if i % 4 else "ti",
        "country_of_origin": ["IQ", "SY", "ER", "AF"][i % 4],
        "region": ["noord", "oost", "zuid", "west", "midden"][i % 5],
        "location_type": "vbl",
        "stage": "appeal_pending",
        "vulnerabilities": "medical" if i % 7 == 0 else "",
    }
    if i % 3 == 0:
        row["stage"] = "final_rejection"
        row["final_decision_on"] = (today - timedelta(days=i % 20)).isoformat()
        row["departure_period_shortened"] = "no"
    if i % 5 == 0:
        row["household"] = "child:2015-06-01;partner:1975-03-03:Partner Kittest"
        row["location_type"] = "family_location"
    return row


KNOWN_PERSONS = [("Kittest Bestaand-Een", "1979-05-05"), ("Kittest Bestaand-Twee", "1983-08-08")]
"""Persons with an open case before the import (the test opens them): rows naming them are
refused by casefile's blind index, `person_already_known`."""


def bad_rows(today: date) -> list[tuple[dict[str, str], str | None, str]]:
    """20 rows (overrides of a good row) with the column and code each must be reported with:
    7 a spreadsheet check finds (two rows the same person as the row before, one spelled in
    other case and spacing), 7 casefile's request validation, 6 only casefile's handler (dates
    against today and the person's age, and 2 persons already in the hub)."""
    future = (today + timedelta(days=400)).isoformat()
    return [
        ({"person_name": ""}, "person_name", "missing"),
        ({"date_of_birth": "11-02-1991"}, "date_of_birth", "not_a_date"),
        (
            {"stage": "final_rejection", "final_decision_on": "yesterday"},
            "final_decision_on",
            "not_a_date",
        ),
        ({"departure_period_shortened": "maybe"}, "departure_period_shortened", "not_yes_or_no"),
        ({"household": "child 2015"}, "household", "household_malformed"),
        ({"duplicate": "yes"}, "person_name", "duplicate_in_file"),
        ({"region": "atlantis"}, "region", "invalid_request"),
        ({"region": "Amsterdam-Noord"}, "region", "invalid_request"),
        ({"country_of_origin": "Iraq"}, "country_of_origin", "invalid_request"),
        ({"stage": "afgewezen"}, "stage", "invalid_request"),
        ({"stage": "deported"}, "stage", "invalid_request"),
        ({"languages": "arabic"}, "languages", "invalid_request"),
        ({"phone": "call me"}, "phone", "invalid_request"),
        ({"date_of_birth": future}, None, "date_in_future"),
        ({"date_of_birth": "1899-12-31"}, None, "date_implausible"),
        (
            {"date_of_birth": "1990-01-01", "household": "child:1994-01-01"},
            "household",
            "implausible_household_dates",
        ),
        (
            {"stage": "final_rejection", "final_decision_on": "1985-01-01"},
            "final_decision_on",
            "date_before_birth",
        ),
        ({"duplicate": "respelled"}, "person_name", "duplicate_in_file"),
        (
            {"person_name": KNOWN_PERSONS[0][0], "date_of_birth": KNOWN_PERSONS[0][1]},
            "person_name",
            "person_already_known",
        ),
        (
            {
                "person_name": f"  {KNOWN_PERSONS[1][0].upper()} ",
                "date_of_birth": KNOWN_PERSONS[1][1],
            },
            "person_name",
            "person_already_known",
        ),
    ]


def caseload(
    rows: int, today: date, every: int = 50
) -> tuple[list[dict[str, str]], dict[int, tuple[str | None, str]]]:
    """``rows`` rows, a bad one at every ``every``-th (from the 8th); the bad rows' expected
    (column, code) by spreadsheet row number (the header is row 1)."""
    bad = bad_rows(today)
    out: list[dict[str, str]] = []
    expected: dict[int, tuple[str | None, str]] = {}
    for i in range(rows):
        row = good_row(i, today)
        if i % every == 7 and len(expected) < len(bad):
            overrides, column, code = bad[len(expected)]
            if "duplicate" in overrides:
                row = dict(out[-1])  # the previous (good) row's person again
                if overrides["duplicate"] == "respelled":
                    row["person_name"] = "  " + row["person_name"].upper().replace(" ", "   ")
            else:
                row.update(overrides)
                if overrides.get("date_of_birth") == "1990-01-01":
                    row["final_decision_on"] = ""
                if code == "date_before_birth":
                    row["date_of_birth"] = "1990-01-01"
            expected[i + 2] = (column, code)
        out.append(row)
    return out, expected


def write_csv(path: Path, rows: list[dict[str, str]], delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=HEADER, delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path
