"""Reading a caseload file (CSV or XLSX) and the state file that makes an import resumable."""

import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

from openpyxl import load_workbook

from hub_client.caseload.columns import CaseloadFileError, RowProblem, cell_text, header_names

Rows = list[tuple[int, dict[str, str]]]
"""(row number as the spreadsheet shows it, cells by column name), blank rows left out."""


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes (hex): the same file, the same idempotency keys."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


ROW_LENGTH = "row_length"
"""The code of a row with fewer or more cells than the header: its cells cannot be matched to
the columns (a row cut short would otherwise read as one with empty cells)."""


def read_rows(path: Path) -> tuple[Rows, list[RowProblem]]:
    """The rows of a ``.csv`` (UTF-8, with or without BOM; ``,`` ``;`` or tab separated) or
    ``.xlsx`` (the first sheet) file, and a `ROW_LENGTH` problem per row (not blank) with
    another number of cells than the header, naming the row and both counts (never a cell),
    that row left out. Raises `CaseloadFileError` for another format, an empty file or missing
    columns (`columns.header_names`)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw = list(_csv_rows(path))
    elif suffix == ".xlsx":
        raw = list(_xlsx_rows(path))
    else:
        raise CaseloadFileError("give a .csv or .xlsx file")
    if not raw:
        raise CaseloadFileError("the file is empty")
    names = header_names(raw[0])
    rows: Rows = []
    problems: list[RowProblem] = []
    for number, values in enumerate(raw[1:], start=2):
        if not any(cell_text(v) for v in values):
            continue
        if len(values) != len(names):
            reason = f"has {len(values)} cells where the header has {len(names)}"
            problems.append(RowProblem(number, None, ROW_LENGTH, reason))
            continue
        rows.append((number, {n: cell_text(v) for n, v in zip(names, values, strict=True) if n}))
    return rows, problems


DELIMITERS = (",", ";", "\t")
"""The separators a caseload CSV may use (a spreadsheet's "CSV" is ``;`` in Dutch locales)."""


def header_delimiter(header_line: str) -> str:
    """The separator of a file whose first line is ``header_line``: the one it holds most of
    (``,`` when it holds none or ties). Judged on the header alone, where the column names
    hold no separator: a guess over the rows (`csv.Sniffer`) was misled by a short row in a
    small ``;`` file and split it on commas (the seventh new user's trial)."""
    return max(DELIMITERS, key=header_line.count)


def _csv_rows(path: Path) -> Iterator[list[Any]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        delimiter = header_delimiter(f.readline())
        f.seek(0)
        yield from csv.reader(f, csv.excel, delimiter=delimiter)


def _xlsx_rows(path: Path) -> Iterator[list[Any]]:
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield list(values)
    finally:
        workbook.close()


STATE_OF_ANOTHER_INPUT = (
    "the import's state file (<input>.import-state.jsonl, beside the input or in the state"
    " folder) belongs to another version of the input; move it away to import this file from"
    " the start"
)
"""The refusal of a state file written for other content: closed, it names no file (the
state file's name is the input's, which may be a person's name; the fifth trial)."""


STATE_DAMAGED = (
    "the import's state file (<input>.import-state.jsonl, beside the input or in the state"
    " folder) is damaged: a line is not one the import writes; move it away to import this"
    " file from the start"
)
"""The refusal of a state file that is not one the import wrote (not JSON Lines, an entry
without its row or case, a case that is no UUID): closed, it names no file and quotes no line
(the sixth trial: a ``ValueError`` quoting the line, a ``KeyError``, an ``AttributeError``)."""

STATE_FORMAT = 1
"""The state file's format (its first line's ``format``)."""


def _header(digest: str) -> str:
    """The state file's first line (without its newline) for the input of ``digest``."""
    return json.dumps({"file_sha256": digest, "format": STATE_FORMAT})


_TEMPLATE = _header("0" * 64)
_DIGITS = range(_TEMPLATE.index("0" * 64), _TEMPLATE.index("0" * 64) + 64)


def _torn_header(text: str) -> bool:
    """True when ``text`` (a file without a newline) is the beginning of a first line `_header`
    writes, for any SHA-256: an import interrupted while it wrote its first line."""
    return len(text) <= len(_TEMPLATE) and all(
        c == _TEMPLATE[i] or (i in _DIGITS and c in "0123456789abcdef") for i, c in enumerate(text)
    )


def _entry(line: str) -> tuple[int, str]:
    """(row, case id) of an entry line ``{"row": 7, "case_id": "<canonical UUID>"}``; raises
    `CaseloadFileError` `STATE_DAMAGED` for any other line."""
    try:
        entry = json.loads(line)
        row, case_id = entry["row"], entry["case_id"]
        valid = type(row) is int and row > 0 and str(UUID(case_id)) == case_id
    except (ValueError, TypeError, KeyError, AttributeError):
        valid = False
    if not valid:
        raise CaseloadFileError(STATE_DAMAGED)
    return row, case_id


class ImportState:
    """Rows already imported, kept in a JSON Lines file: a first line naming the input by its
    digest (``{"file_sha256": "<hex>", "format": 1}``), then one line per imported row
    (``{"row": 7, "case_id": "<UUID>"}``), appended and flushed as each case opens, so an
    interruption loses at most the line being written: a torn last line (no newline) is cut
    off the file, and its row is sent again with the same key and answered once; a torn first
    line (nothing recorded yet) removes the file.

    Raises `CaseloadFileError`: `STATE_OF_ANOTHER_INPUT` when the file names another input,
    `STATE_DAMAGED` for any other file (not UTF-8 JSON Lines, a first line that is no header,
    an entry that is not a row number and a case's UUID): never overwritten, never guessed."""

    def __init__(self, path: Path, digest: str) -> None:
        self.path = path
        self.digest = digest
        self.done: dict[int, str] = {}
        if path.exists():
            self._load()

    def _load(self) -> None:
        try:
            text = self.path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise CaseloadFileError(STATE_DAMAGED) from None
        complete, _, torn = text.rpartition("\n")
        if not complete and _torn_header(torn):
            # Interrupted while the first line was written: no row was recorded yet.
            self.path.unlink()
            return
        first, *lines = complete.split("\n")
        try:
            header = json.loads(first)
        except ValueError:
            raise CaseloadFileError(STATE_DAMAGED) from None
        if not (
            isinstance(header, dict)
            and header.get("format") == STATE_FORMAT
            and isinstance(header.get("file_sha256"), str)
        ):
            raise CaseloadFileError(STATE_DAMAGED)
        if header["file_sha256"] != self.digest:
            raise CaseloadFileError(STATE_OF_ANOTHER_INPUT)
        self.done = dict(_entry(line) for line in lines)
        if torn:  # the next line appended starts on a line of its own
            with self.path.open("r+b") as f:
                f.truncate(len(complete.encode("utf-8")) + 1)

    def record(self, row: int, case_id: str) -> None:
        """Note that ``row`` opened ``case_id`` (written through to the file)."""
        first = not self.path.exists()
        with self.path.open("a", encoding="utf-8") as f:
            if first:
                f.write(_header(self.digest) + "\n")
            f.write(json.dumps({"row": row, "case_id": case_id}) + "\n")
            f.flush()
        self.done[row] = case_id
