"""The caseload import: a council's spreadsheet (CSV or XLSX) into casefile, dry run first."""

from hub_client.caseload.columns import COLUMNS, CaseloadFileError, Column, RowProblem
from hub_client.caseload.importer import ImportReport, import_caseload, row_key

__all__ = [
    "COLUMNS",
    "CaseloadFileError",
    "Column",
    "ImportReport",
    "RowProblem",
    "import_caseload",
    "row_key",
]
