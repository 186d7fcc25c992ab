"""Reading a caseload file (CSV or XLSX) and the state file that makes an import resumable."""

import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from hub_client.caseload.columns import CaseloadFileError, cell_text, header_names

Rows = list[tuple[int, dict[str, str]]]
"""(row number as the spreadsheet shows it, cells by column name), blank rows left out."""


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes (hex): the same file, the same idempotency keys."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_rows(path: Path) -> Rows:
    """The rows of a ``.csv`` (UTF-8, with or without BOM; ``,`` ``;`` or tab separated) or
    ``.xlsx`` (the first sheet) file. Raises `CaseloadFileError` for another format, an empty
    file or missing columns (`columns.header_names`)."""
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
    for number, values in enumerate(raw[1:], start=2):
        cells = {n: cell_text(v) for n, v in zip(names, values, strict=False) if n}
        if any(cells.values()):
            rows.append((number, cells))
    return rows


def _csv_rows(path: Path) -> Iterator[list[Any]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        sample = f.read(8192)
        f.seek(0)
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        yield from csv.reader(f, dialect)


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


class ImportState:
    """Rows already imported, kept in a JSON Lines file: a first line naming the input by its
    digest, then one line per imported row (``{"row": 7, "case_id": "..."}``), appended and
    flushed as each case opens, so an interruption loses at most the lines being written (a
    torn last line is ignored; its row is sent again with the same key and answered once)."""

    def __init__(self, path: Path, digest: str) -> None:
        self.path = path
        self.digest = digest
        self.done: dict[int, str] = {}
        if path.exists():
            self._load()

    def _load(self) -> None:
        lines = self.path.read_text(encoding="utf-8").splitlines()
        try:
            digest = json.loads(lines[0]).get("file_sha256") if lines else None
        except ValueError:
            digest = None
        if digest is None:
            # Interrupted while the first line was written: no row was recorded yet.
            self.path.unlink()
            return
        if digest != self.digest:
            raise CaseloadFileError(STATE_OF_ANOTHER_INPUT)
        for line in lines[1:]:
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a torn last line
            self.done[int(entry["row"])] = str(entry["case_id"])

    def record(self, row: int, case_id: str) -> None:
        """Note that ``row`` opened ``case_id`` (written through to the file)."""
        first = not self.path.exists()
        with self.path.open("a", encoding="utf-8") as f:
            if first:
                f.write(json.dumps({"file_sha256": self.digest, "format": 1}) + "\n")
            f.write(json.dumps({"row": row, "case_id": case_id}) + "\n")
            f.flush()
        self.done[row] = case_id
