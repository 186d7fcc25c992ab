"""A council's caseload spreadsheet: its columns, and a row turned into casefile's `OpenCase`.

Only what a spreadsheet cannot hold is checked here (a missing cell, a date that is no date, a
household cell that is not ``relation:date``, a yes/no that is neither, the same person twice
in the file). Every other check is casefile's own (codes, formats, dates against today and the
person's age): the dry run asks casefile (`POST /cases/validate`), so the rules live once.

A problem names the row (as the spreadsheet numbers it: the header is row 1), the column and a
code with a sentence, never the value in the cell (it may be personal).
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from hub_client import models as m


@dataclass(frozen=True)
class Column:
    """A column of the caseload file: its header, whether a row needs it, what it holds."""

    name: str
    required: bool
    holds: str


COLUMNS: tuple[Column, ...] = (
    Column("person_name", True, "The person's full name (stored encrypted)"),
    Column("date_of_birth", True, "YYYY-MM-DD (or a date cell in XLSX)"),
    Column("phone", False, "Digits, spaces, ( ) - and an optional leading +"),
    Column("languages", False, "ISO 639 codes, separated by ; (e.g. ar;fa)"),
    Column("medical_needs", False, "Only what a receiving partner would need (encrypted)"),
    Column(
        "household",
        False,
        "Members separated by ; each relation:YYYY-MM-DD or relation:YYYY-MM-DD:name"
        " (relation: child, partner, parent, sibling, other)",
    ),
    Column("country_of_origin", True, "ISO 3166-1 alpha-2 (e.g. IQ)"),
    Column("region", True, "noord, oost, zuid, west or midden"),
    Column("location_type", True, "azc, vbl, family_location, detention or none_street"),
    Column(
        "stage",
        True,
        "in_procedure, first_rejection, appeal_pending, final_rejection, permit_withdrawn,"
        " buitenschuld_pending, buitenschuld_granted, buitenschuld_rejected",
    ),
    Column(
        "vulnerabilities",
        False,
        "Codes separated by ; (unaccompanied_minor, family_with_children, medical,"
        " trafficking_victim)",
    ),
    Column("final_decision_on", False, "YYYY-MM-DD: day of the final rejection, if any"),
    Column("departure_period_shortened", False, "yes/no (empty: no)"),
)
BY_NAME = {c.name: c for c in COLUMNS}

# Where casefile's reasons (`field.path: what is wrong`) point, as a column of the file.
FIELD_COLUMNS = {
    "person.name": "person_name",
    "person.date_of_birth": "date_of_birth",
    "person.phone": "phone",
    "person.languages": "languages",
    "person.medical_needs": "medical_needs",
    "household": "household",
    "country_of_origin": "country_of_origin",
    "region": "region",
    "location_type": "location_type",
    "stage": "stage",
    "vulnerabilities": "vulnerabilities",
    "final_decision_on": "final_decision_on",
    "departure_period_shortened": "departure_period_shortened",
}
YES = {"yes", "y", "true", "1", "ja", "j"}
NO = {"no", "n", "false", "0", "nee", ""}


@dataclass(frozen=True)
class RowProblem:
    """Why a row would be (or was) refused: ``row`` as the spreadsheet numbers it, ``column``
    (None when the hub did not say which), a stable ``code`` and a sentence. Never the value."""

    row: int
    column: str | None
    code: str
    reason: str


class CaseloadFileError(ValueError):
    """The file as a whole cannot be read as a caseload (format, missing columns)."""


def header_names(header: list[Any]) -> list[str]:
    """Header cells as column names (trimmed, lower case, spaces as ``_``); raises
    `CaseloadFileError` when a required column is missing or one appears twice."""
    names = [str(h or "").strip().lower().replace(" ", "_") for h in header]
    missing = [c.name for c in COLUMNS if c.required and c.name not in names]
    if missing:
        raise CaseloadFileError(f"the file has no column {', '.join(missing)}")
    repeated = sorted({n for n in names if n in BY_NAME and names.count(n) > 1})
    if repeated:
        raise CaseloadFileError(f"the column(s) {', '.join(repeated)} appear more than once")
    return names


def cell_text(value: Any) -> str:
    """A cell as text: a date cell as YYYY-MM-DD, a whole number without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _CellRefusedError(Exception):
    def __init__(self, code: str, reason: str) -> None:
        self.code, self.reason = code, reason


_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def full_date(text: str) -> date:
    """The day ``text`` names, written ``YYYY-MM-DD`` (RFC 3339 section 5.6 ``full-date``).

    Exactly the form casefile takes (`hub_contracts.calendar.CalendarDate`, the API's ``format:
    date``; a test holds the two to the same answers, as this package does not depend on the
    services' packages). Python's ``date.fromisoformat`` alone also reads ISO 8601's basic
    and week forms (``19800202``, ``1980-W05-6``), which the API refuses (the sixth trial).
    Raises ``ValueError`` (quoting nothing) for any other text or a day that does not exist."""
    if not _FULL_DATE.fullmatch(text):
        raise ValueError("not a date written YYYY-MM-DD")
    return date.fromisoformat(text)


def _date(text: str) -> str | None:
    if not text:
        return None
    try:
        return full_date(text).isoformat()
    except ValueError:
        raise _CellRefusedError("not_a_date", "is not a date as YYYY-MM-DD") from None


def _codes(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def _household(text: str) -> list[dict[str, Any]]:
    members = []
    for part in _codes(text):
        relation, _, rest = part.partition(":")
        born, _, name = rest.partition(":")
        try:
            day = full_date(born.strip())
        except ValueError:
            raise _CellRefusedError(
                "household_malformed", "a member is not relation:YYYY-MM-DD[:name]"
            ) from None
        member: dict[str, Any] = {
            "relation": relation.strip().lower(),
            "date_of_birth": day.isoformat(),
        }
        if name.strip():
            member["name"] = name.strip()
        members.append(member)
    return members


def _yes_no(text: str) -> bool:
    if text.lower() in YES:
        return True
    if text.lower() in NO:
        return False
    raise _CellRefusedError("not_yes_or_no", "is neither yes nor no")


def _lower_codes(text: str) -> list[str]:
    return [c.lower() for c in _codes(text)]


# Each column: where its value goes in `OpenCase` (a path) and how a cell's text becomes it.
_READERS: dict[str, tuple[tuple[str, ...], Callable[[str], Any]]] = {
    "person_name": (("person", "name"), str),
    "date_of_birth": (("person", "date_of_birth"), _date),
    "phone": (("person", "phone"), lambda text: text or None),
    "languages": (("person", "languages"), _lower_codes),
    "medical_needs": (("person", "medical_needs"), lambda text: text or None),
    "household": (("household",), _household),
    "country_of_origin": (("country_of_origin",), str),
    "region": (("region",), str.lower),
    "location_type": (("location_type",), str.lower),
    "stage": (("stage",), str.lower),
    "vulnerabilities": (("vulnerabilities",), _lower_codes),
    "final_decision_on": (("final_decision_on",), _date),
    "departure_period_shortened": (("departure_period_shortened",), _yes_no),
}


def person_identity(cells: dict[str, str]) -> tuple[str, str]:
    """What makes two rows the same person within one file: the name (Unicode NFC, case folded,
    NFC again, spaces collapsed: casefile's blind index compares names so) and the date of
    birth."""
    folded = unicodedata.normalize("NFC", cells.get("person_name", "")).casefold()
    name = " ".join(unicodedata.normalize("NFC", folded).split())
    return name, cells.get("date_of_birth", "")


def read_row(row: int, cells: dict[str, str]) -> tuple[dict[str, Any], list[RowProblem]]:
    """Every column of a row checked on its own: the case body's fields of the cells that
    passed (JSON values, nested as `OpenCase`) and one problem per cell that did not (its
    column, a code, a sentence; never the value), in the columns' order."""
    body: dict[str, Any] = {}
    problems: list[RowProblem] = []
    for column in COLUMNS:
        text = cells.get(column.name, "")
        try:
            if column.required and not text:
                raise _CellRefusedError("missing", "is empty and is required")
            path, read = _READERS[column.name]
            value = read(text)
        except _CellRefusedError as refused:
            reason = f"{column.name} {refused.reason}"
            problems.append(RowProblem(row, column.name, refused.code, reason))
            continue
        *parents, leaf = path
        target = body
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return body, problems


def parse_row(row: int, cells: dict[str, str]) -> m.OpenCase | list[RowProblem]:
    """The `OpenCase` a row asks for, or every problem the spreadsheet checks find in it
    (`read_row`)."""
    body, problems = read_row(row, cells)
    if problems:
        return problems
    try:
        return m.OpenCase.model_validate(body)
    except ValidationError:  # pragma: no cover - the shapes above are the model's
        return [RowProblem(row, None, "unreadable_row", "the row could not be read")]
