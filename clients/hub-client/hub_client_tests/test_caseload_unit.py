"""The caseload's spreadsheet checks and state file, without a stack."""

import json
from pathlib import Path

import pytest
from hub_client.caseload import CaseloadFileError, RowProblem
from hub_client.caseload.columns import full_date, parse_row, read_row
from hub_client.caseload.files import (
    STATE_DAMAGED,
    STATE_OF_ANOTHER_INPUT,
    ImportState,
    read_rows,
)
from hub_client.caseload.importer import import_caseload, problems_of
from hub_client.errors import HubError
from hub_client.models import OpenCase
from hub_contracts.calendar import CalendarDate
from pydantic import TypeAdapter, ValidationError

ROW = {
    "person_name": "Kittest Persoon",
    "date_of_birth": "1990-01-01",
    "country_of_origin": "IQ",
    "region": "West",
    "location_type": "vbl",
    "stage": "final_rejection",
    "final_decision_on": "2026-01-05",
    "household": "child:2015-06-01; Partner:1988-02-02:Partner Kittest",
    "languages": "AR; fa",
    "departure_period_shortened": "ja",
}


def test_a_row_becomes_the_case_body() -> None:
    body = parse_row(2, ROW)
    assert isinstance(body, OpenCase)
    assert body.region == "west"
    assert body.person.languages == ["ar", "fa"]
    assert [(h.relation, h.name) for h in body.household] == [
        ("child", None),
        ("partner", "Partner Kittest"),
    ]
    assert body.departure_period_shortened is True


@pytest.mark.parametrize(
    ("change", "column", "code"),
    [
        ({"region": ""}, "region", "missing"),
        ({"date_of_birth": "1/1/1990"}, "date_of_birth", "not_a_date"),
        # ISO 8601's basic and week forms, which the API refuses (the sixth trial)
        ({"date_of_birth": "19800202"}, "date_of_birth", "not_a_date"),
        ({"date_of_birth": "1980-W05-6"}, "date_of_birth", "not_a_date"),
        ({"final_decision_on": "2026-005"}, "final_decision_on", "not_a_date"),
        ({"household": "child:20150601"}, "household", "household_malformed"),
        ({"household": "child"}, "household", "household_malformed"),
        (
            {"departure_period_shortened": "misschien"},
            "departure_period_shortened",
            "not_yes_or_no",
        ),
    ],
)
def test_spreadsheet_problems_name_row_column_and_code_never_the_value(
    change: dict[str, str], column: str, code: str
) -> None:
    problems = parse_row(9, {**ROW, **change})
    assert isinstance(problems, list)
    [problem] = problems
    assert isinstance(problem, RowProblem)
    assert (problem.row, problem.column, problem.code) == (9, column, code)
    for value in change.values():
        if value:
            assert value not in problem.reason


SPELLINGS = [
    "1980-02-02",
    "2024-02-29",
    "2023-02-29",  # no such day
    "19800202",  # ISO 8601 basic
    "1980-W05-6",  # ISO 8601 week date
    "1980W056",
    "1980-033",  # ISO 8601 ordinal date
    "1980-02",
    "1980-2-2",
    "80-02-02",
    "1980-02-02T00:00:00",
    "1980-02-02 ",
    "\u0661\u0669\u0668\u0660-02-02",  # Arabic-Indic digits
    "320716800",  # a Unix time
    "",
]


@pytest.mark.parametrize("text", SPELLINGS)
def test_the_import_takes_a_date_exactly_as_the_api_does(text: str) -> None:
    """The client's date reader and casefile's `CalendarDate` agree on every spelling: the
    client mirrors the rule (it does not depend on the services' packages), this holds it."""
    try:
        api: object = TypeAdapter(CalendarDate).validate_python(text)
    except ValidationError:
        api = None
    try:
        client: object = full_date(text)
    except ValueError:
        client = None
    assert client == api


def test_every_problem_of_a_row_is_reported_each_with_its_column() -> None:
    """The second trial's finding: the dry run reported the first problem of a row only."""
    bad = {
        "region": "",
        "date_of_birth": "1/1/1990",
        "household": "child",
        "departure_period_shortened": "misschien",
    }
    problems = parse_row(9, {**ROW, **bad})
    assert isinstance(problems, list)
    assert [(p.row, p.column, p.code) for p in problems] == [
        (9, "date_of_birth", "not_a_date"),
        (9, "household", "household_malformed"),
        (9, "region", "missing"),
        (9, "departure_period_shortened", "not_yes_or_no"),
    ]
    for problem in problems:
        assert problem.reason.startswith(f"{problem.column} ")
        assert not any(value and value in problem.reason for value in bad.values())
    # the other cells are still read, for casefile to check them
    fields, _ = read_row(9, {**ROW, **bad})
    assert fields["country_of_origin"] == "IQ"
    assert fields["person"] == {
        "name": "Kittest Persoon",
        "phone": None,
        "languages": ["ar", "fa"],
        "medical_needs": None,
    }
    assert "region" not in fields
    assert "household" not in fields


def test_the_hub_s_reasons_map_to_columns() -> None:
    invalid = HubError(
        422,
        "invalid_request",
        "d",
        [
            "person.languages[0]: not a code",  # the hub's form: list positions in brackets
            "household[1].relation: not one of",
            "person.languages.0: not a code",  # the older dotted form
        ],
    )
    assert [(p.column, p.code) for p in problems_of(3, invalid)] == [
        ("languages", "invalid_request"),
        ("household", "invalid_request"),
        ("languages", "invalid_request"),
    ]
    assert problems_of(4, HubError(422, "date_before_birth", "d"))[0].column == (
        "final_decision_on"
    )
    assert problems_of(4, HubError(422, "date_in_future", "d"))[0].column is None


def refused_state(path: Path) -> CaseloadFileError:
    with pytest.raises(CaseloadFileError) as refused:
        ImportState(path, "another digest")
    return refused.value


def test_the_state_file_of_another_input_is_refused_naming_no_file(tmp_path: Path) -> None:
    """The fifth trial: the refusal named the state file, whose name is the input's (a file
    called after a person: ``Fatima Haddad.csv.import-state.jsonl``)."""
    path = tmp_path / "Fatima Haddad.csv.import-state.jsonl"
    ImportState(path, "d1").record(2, "case-a")
    assert str(refused_state(path)) == STATE_OF_ANOTHER_INPUT
    assert "Haddad" not in STATE_OF_ANOTHER_INPUT


CASE_A = "4e3720a1-5b6c-4d7e-8f90-a1b2c3d4e5f6"
CASE_B = "8f0e9a44-1c3b-4c7e-9d0e-3f1f4b5a6c7d"


def test_the_state_file_survives_a_torn_line_and_refuses_another_file(tmp_path: Path) -> None:
    path = tmp_path / "x.csv.import-state.jsonl"
    state = ImportState(path, "d1")
    state.record(2, CASE_A)
    state.record(5, CASE_B)
    with path.open("a") as f:
        f.write('{"row": 7, "ca')  # interrupted mid-line
    assert ImportState(path, "d1").done == {2: CASE_A, 5: CASE_B}
    with pytest.raises(CaseloadFileError, match="another version"):
        ImportState(path, "d2")
    assert "x.csv" not in str(refused_state(path))
    path.write_text('{"file_sha')  # interrupted in the first line: nothing recorded yet
    assert ImportState(path, "d1").done == {}
    assert not path.exists()


def test_a_resumed_import_appends_after_the_torn_line_it_cut_off(tmp_path: Path) -> None:
    """The torn last line is cut off when the state is read, so the next entry is a line of
    its own (appended to the torn one, it would be a damaged line in the middle)."""
    path = tmp_path / "x.csv.import-state.jsonl"
    ImportState(path, "d1").record(2, CASE_A)
    with path.open("a") as f:
        f.write('{"row": 7, "ca')  # interrupted mid-line
    ImportState(path, "d1").record(7, CASE_B)
    assert ImportState(path, "d1").done == {2: CASE_A, 7: CASE_B}
    assert path.read_text().endswith(f'{{"row": 7, "case_id": "{CASE_B}"}}\n')


DAMAGED = [
    '{"row": "Fatima Haddad", "case_id": "' + CASE_A + '"}',  # was a ValueError quoting it
    '{"row": 3}',  # was a KeyError
    '{"row": 3, "case_id": "Fatima Haddad"}',  # was counted as imported
    '{"row": 3, "case_id": null}',
    '{"row": true, "case_id": "' + CASE_A + '"}',
    '"Fatima Haddad"',  # was a TypeError
    "[3]",
    "Fatima Haddad",  # a line that is no JSON, not the last one
    "",
]
"""Entry lines the import never writes (followed by a valid last line)."""


@pytest.mark.parametrize("line", DAMAGED)
def test_a_damaged_entry_is_refused_quoting_nothing(tmp_path: Path, line: str) -> None:
    """The sixth trial: a damaged state file was a traceback quoting its line, or a case that
    is no UUID counted as imported. It is refused, closed, and left as it is."""
    path = tmp_path / "Fatima Haddad.csv.import-state.jsonl"
    ImportState(path, "d1").record(2, CASE_A)
    with path.open("a") as f:
        f.write(line + "\n" + json.dumps({"row": 5, "case_id": CASE_B}) + "\n")
    before = path.read_bytes()
    with pytest.raises(CaseloadFileError) as refused:
        ImportState(path, "d1")
    assert str(refused.value) == STATE_DAMAGED
    assert "Haddad" not in STATE_DAMAGED
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "content",
    [
        '["file_sha256", "d1"]\n',  # was an AttributeError
        '"d1"\n',
        "{}\n",  # a first line without the input's digest was removed
        '{"file_sha256": "d1"}\n',  # no format
        '{"file_sha256": 1, "format": 1}\n',
        "Fatima Haddad\nnotes\n",  # no JSON at all was removed and overwritten
        "Fatima Haddad",  # one line, no newline, that is no beginning of a first line
        '{"file_sha256": "Fatima',
    ],
)
def test_a_state_file_without_its_first_line_is_refused_not_removed(
    tmp_path: Path, content: str
) -> None:
    path = tmp_path / "x.csv.import-state.jsonl"
    path.write_text(content)
    with pytest.raises(CaseloadFileError) as refused:
        ImportState(path, "d1")
    assert str(refused.value) == STATE_DAMAGED
    assert path.read_text() == content


def test_a_state_file_that_is_no_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv.import-state.jsonl"
    path.write_bytes(b"\xff\xfe\x00binary\n")
    with pytest.raises(CaseloadFileError, match="is damaged"):
        ImportState(path, "d1")


def test_csv_with_a_bom_semicolons_blank_rows_and_extra_columns(tmp_path: Path) -> None:
    source = tmp_path / "c.csv"
    header = "Person Name;date_of_birth;country_of_origin;region;location_type;stage;notes"
    source.write_text(
        f"\ufeff{header}\nA B;1990-01-01;IQ;west;vbl;appeal_pending;secret\n;;;;;;\n",
        encoding="utf-8",
    )
    ((row, cells),), problems = read_rows(source)
    assert problems == []
    assert row == 2
    assert cells["person_name"] == "A B"
    assert "notes" in cells  # read, but no column of the case: never sent
    assert isinstance(parse_row(row, cells), OpenCase)


@pytest.mark.parametrize("separator", [";", "\t", ","])
def test_a_short_row_in_a_small_file_is_a_row_problem_whatever_the_separator(
    tmp_path: Path, separator: str
) -> None:
    """The seventh trial: in a small ``;`` file with a short row, the separator guess fell back
    to commas and the file was refused for a missing column instead of the row's length."""
    names = ["person_name", "date_of_birth", "country_of_origin", "region", "location_type"]
    names.append("stage")
    source = tmp_path / "c.csv"
    header = separator.join(names)
    short = separator.join(["Zaynab Q", "1991-02-03", "IQ", "west", "vbl"])
    source.write_text(f"{header}\n{short}\n", encoding="utf-8")
    rows, problems = read_rows(source)
    assert rows == []
    assert [(p.row, p.code, p.reason) for p in problems] == [
        (2, "row_length", "has 5 cells where the header has 6")
    ]


def test_the_separator_is_the_headers_and_quoted_cells_keep_theirs(tmp_path: Path) -> None:
    source = tmp_path / "c.csv"
    header = "person_name;date_of_birth;country_of_origin;region;location_type;stage"
    source.write_text(f'{header}\n"B, A";1990-01-01;IQ;west;vbl;appeal_pending\n', encoding="utf-8")
    ((_, cells),), problems = read_rows(source)
    assert problems == []
    assert cells["person_name"] == "B, A"


async def test_a_row_cut_short_or_too_long_is_a_row_problem_naming_counts_not_cells(
    tmp_path: Path,
) -> None:
    """The seventh trial: a row with fewer cells than the header was read as one with empty
    cells and counted as "would import". A short or long row is now a ``row_length`` problem
    naming the row and both counts, never a cell; a blank row is still skipped."""
    source = tmp_path / "c.csv"
    header = "person_name,date_of_birth,country_of_origin,region,location_type,stage,notes"
    good = "A B,1990-01-01,IQ,west,vbl,appeal_pending,"
    source.write_text(
        f"{header}\n{good}\nZaynab Q,1991-02-03,IQ,west,vbl,appeal_pending\n"
        f"{good}x,Zaynab R\n\n,,,,,,,,,Zaynab S\n",
        encoding="utf-8",
    )
    rows, problems = read_rows(source)
    assert [row for row, _ in rows] == [2]
    assert [(p.row, p.column, p.code, p.reason) for p in problems] == [
        (3, None, "row_length", "has 6 cells where the header has 7"),
        (4, None, "row_length", "has 8 cells where the header has 7"),
        (6, None, "row_length", "has 10 cells where the header has 7"),
    ]
    # The import reports them as refused rows, with no request for them (no client needed).
    source.write_text(f"{header}\nZaynab Q,1991-02-03,IQ,west,vbl,appeal_pending\n")
    report = await import_caseload(source, None, progress=False)  # type: ignore[arg-type]
    assert (report.rows, report.refused_rows) == (1, [2])
    assert "Zaynab" not in json.dumps(report.as_json())
