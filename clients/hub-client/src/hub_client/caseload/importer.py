"""`import_caseload`: a council's caseload (CSV or XLSX) into casefile, through the public API.

1. Every cell of every row is checked as a spreadsheet cell (`columns.read_row`), then, in the
   dry run, the row by casefile itself (``POST /cases/validate``: every check of opening a
   case, nothing written); a row with a cell refused by the spreadsheet checks has its other
   cells checked by casefile too (`HubClient.validate_case_fields`). The report lists every
   problem of every row that would be refused, each naming its row and column, with a code
   and a sentence, never a value.
2. The import sends ``POST /cases`` per row with an Idempotency-Key derived from the file's
   digest and the row number, records each opened case in a state file, and skips rows the
   state file names. Interrupted and started again on the same file, it re-sends at most the
   rows in flight, with the same keys: casefile answers those once (``Idempotent-Replayed``),
   so every row is applied exactly once. Keys are scoped to the token's member of staff: resume
   with the same login.
"""

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from rich.progress import Progress

from hub_client import models as m
from hub_client.caseload.columns import FIELD_COLUMNS, RowProblem, person_identity, read_row
from hub_client.caseload.files import ImportState, file_digest, read_rows
from hub_client.client import HubClient
from hub_client.errors import HubError

CODE_COLUMNS = {
    "implausible_household_dates": "household",
    "date_before_birth": "final_decision_on",
    "person_already_known": "person_name",
}
"""Casefile's refusals that name one column by their code (the others by their reasons)."""


T = TypeVar("T")


@dataclass(frozen=True)
class Partial:
    """A row a spreadsheet check refused: the case body's fields of its other cells, and the
    columns already reported."""

    body: dict[str, Any]
    reported: frozenset[str]


@dataclass
class ImportReport:
    """What a run found and did: ``rows`` in the file, ``problems`` (row order), ``imported``
    cases opened in this run, ``already_imported`` rows the state file named, ``state_path``."""

    path: Path
    dry_run: bool
    rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    imported: int = 0
    already_imported: int = 0
    state_path: Path | None = None

    @property
    def refused_rows(self) -> list[int]:
        """The rows with at least one problem, in order."""
        return sorted({p.row for p in self.problems})

    def as_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (for ``--json``); no cell value is in it."""
        return {
            "file": self.path.name,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "refused_rows": len(self.refused_rows),
            "imported": self.imported,
            "already_imported": self.already_imported,
            "state_file": None if self.state_path is None else str(self.state_path),
            "problems": [vars(p) for p in self.problems],
        }


def row_key(digest: str, row: int) -> str:
    """The Idempotency-Key of a row: the same file and row always give the same key."""
    return f"caseload-{digest[:32]}-r{row}"


def problems_of(row: int, error: HubError) -> list[RowProblem]:
    """Casefile's refusal of a row as problems: one per reason of a 422 ``invalid_request``
    (``field.path: what is wrong``, the path mapped to a column), else one with the code."""
    if error.error == "invalid_request" and error.reasons:
        found = []
        for reason in error.reasons:
            path, _, text = reason.partition(":")
            found.append(RowProblem(row, _column(path.strip()), error.error, text.strip()))
        return found
    detail = error.detail
    if error.error == "person_already_known" and "case_id" in error.extra:
        # The open case's id (not a personal value): where the counsellor looks next.
        detail = f"{detail} (case {error.extra['case_id']})"
    return [RowProblem(row, CODE_COLUMNS.get(error.error), error.error, detail)]


_LIST_POSITION = re.compile(r"\[\d+\]")


def _column(path: str) -> str | None:
    # The hub names list positions in brackets (`person.languages[0]`, `household[1].relation`);
    # a column is named by the field, whatever the position.
    parts = _LIST_POSITION.sub("", path).split(".")
    for end in range(len(parts), 0, -1):
        column = FIELD_COLUMNS.get(".".join(parts[:end]))
        if column is not None:
            return column
    return None


async def import_caseload(
    path: Path | str,
    client: HubClient,
    *,
    dry_run: bool = True,
    progress: bool = True,
    state_dir: Path | str | None = None,
    concurrency: int = 4,
) -> ImportReport:
    """Check (``dry_run=True``, the default) or import the caseload at ``path``.

    ``client``: a `HubClient` with a counsellor's or coordinator's token; ``progress``: a Rich
    progress bar on stderr; ``state_dir``: where the state file ``<file name>.import-state.jsonl``
    goes (default: next to the input); ``concurrency``: requests in flight at once.
    Returns the `ImportReport`. Raises `CaseloadFileError` when the file cannot be read as a
    caseload, `HubUnreachableError` when casefile does not answer (the import can be started
    again), and `HubError` for a refusal that is not about the row (401, 403)."""
    path = Path(path)
    rows, misshapen = read_rows(path)
    report = ImportReport(path=path, dry_run=dry_run, rows=len(rows) + len(misshapen))
    report.problems.extend(misshapen)
    bodies, partial = _spreadsheet_checked(rows, report)
    digest = file_digest(path)
    state = None
    if not dry_run:
        where = Path(state_dir) if state_dir is not None else path.parent
        state = ImportState(where / f"{path.name}.import-state.jsonl", digest)
        report.state_path = state.path
        report.already_imported = sum(1 for row in bodies if row in state.done)

    async def check(row: int, body: m.OpenCase) -> None:
        await client.validate_case(body)

    async def apply(row: int, body: m.OpenCase) -> None:
        assert state is not None
        case_id = await client.open_case(body, idempotency_key=row_key(digest, row))
        state.record(row, str(case_id))
        report.imported += 1

    async def check_rest(row: int, fields: Partial) -> None:
        # The cells that passed the spreadsheet checks, asked of casefile too: every problem
        # of the row in one report. Casefile's word on a column already reported (a missing
        # required field it was not sent) is left out.
        try:
            await client.validate_case_fields(fields.body)
        except HubError as error:
            if error.status not in (409, 410, 422):
                raise
            found = problems_of(row, error)
            report.problems.extend(p for p in found if p.column not in fields.reported)

    todo = {r: b for r, b in bodies.items() if state is None or r not in state.done}
    label = "Checking rows" if dry_run else "Importing rows"
    await _run(todo, check if dry_run else apply, report, label, progress, concurrency)
    await _run(partial, check_rest, report, "Checking refused rows", False, concurrency)
    report.problems.sort(key=lambda p: (p.row, p.column or ""))
    return report


def _spreadsheet_checked(
    rows: list[tuple[int, dict[str, str]]], report: ImportReport
) -> tuple[dict[int, m.OpenCase], dict[int, Partial]]:
    """The rows' bodies, and the rows a spreadsheet check refused with the fields of theirs
    that passed (`Partial`); every spreadsheet problem (and a person's second row) goes to
    ``report``."""
    bodies: dict[int, m.OpenCase] = {}
    partial: dict[int, Partial] = {}
    seen: dict[tuple[str, str], int] = {}
    for row, cells in rows:
        fields, problems = read_row(row, cells)
        if problems:
            report.problems.extend(problems)
            partial[row] = Partial(fields, frozenset(p.column for p in problems if p.column))
            continue
        identity = person_identity(cells)
        if identity in seen:
            report.problems.append(
                RowProblem(
                    row,
                    "person_name",
                    "duplicate_in_file",
                    f"the same name and date of birth as row {seen[identity]}",
                )
            )
            continue
        seen[identity] = row
        bodies[row] = m.OpenCase.model_validate(fields)
    return bodies, partial


async def _run(
    todo: dict[int, T],
    step: Callable[[int, T], Awaitable[None]],
    report: ImportReport,
    label: str,
    progress: bool,
    concurrency: int,
) -> None:
    """``step`` for every row, ``concurrency`` at a time; a row's refusal becomes problems,
    anything else (unreachable, 401, 403, an interruption) stops the run."""
    queue = list(todo.items())
    with Progress(disable=not progress, transient=False) as bar:
        task = bar.add_task(label, total=len(queue))

        async def worker() -> None:
            while queue:
                row, body = queue.pop(0)
                try:
                    await step(row, body)
                except HubError as error:
                    if error.status not in (409, 410, 422):
                        raise
                    report.problems.extend(problems_of(row, error))
                bar.advance(task)

        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(max(1, concurrency)):
                    group.create_task(worker())
        except BaseExceptionGroup as failed:
            # The first cause, as the caller would see it without concurrency.
            raise failed.exceptions[0] from None
