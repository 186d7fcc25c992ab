"""Reading a file named on the command line (``hub import <file>``, ``--file``), its failures as
:class:`CliError` ``bad_file``.

A file's path may carry a person's name (``/tmp/Fatima Haddad.json``) and its content anything,
so no sentence here quotes either (the README: no output quotes what the operator typed): the
problem is one of a closed list ("not found", "is a folder", "is not UTF-8 text", ...). JSON is
read by the hub's strict parser (`hub_runtime.strict_json`, the one the services' HTTP edge
uses), so a body the API would refuse (a duplicate member name, NaN) is refused here too,
before anything is sent.
"""

import csv
import errno
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hub_client.caseload import CaseloadFileError
from hub_client.caseload.files import read_rows
from hub_runtime import strict_json
from openpyxl.utils.exceptions import InvalidFileException

from hub_cli.output import CliError

BAD_FILE = "bad_file"
"""The error code of a file named on the command line that cannot be read as it should."""

BAD_STATE_DIR = "bad_state_dir"
"""The error code of a folder for the import's state file that cannot be used."""

_PROBLEMS: dict[int, str] = {
    errno.ENOENT: "not found",
    errno.EISDIR: "is a folder",
    errno.ENOTDIR: "a folder on its path is a file",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENAMETOOLONG: "its name is too long",
    errno.ELOOP: "its path has a symbolic link loop",
}


def unreadable(problem: str) -> CliError:
    """The `CliError` ``bad_file`` (exit code 1) "the file cannot be read: ``problem``";
    ``problem`` must be a closed phrase, never a path or content."""
    return CliError(BAD_FILE, f"the file cannot be read: {problem}")


def _os_problem(error: OSError) -> str:
    known = _PROBLEMS.get(error.errno or 0)
    if known:
        return known
    # The symbolic errno name (EIO, ...) is closed; the OS's message may hold the path.
    return f"the system refused it ({errno.errorcode.get(error.errno or 0, 'unknown error')})"


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Run the block that reads ``path``; its failures to read become :func:`unreadable`.

    An `OSError` about ``path`` itself (its ``filename``: not found, a folder, no permission,
    ...), `UnicodeDecodeError` (text that is not UTF-8), and `zipfile.BadZipFile` or openpyxl's
    `InvalidFileException` (not a spreadsheet). An `OSError` about another file (a state file
    written next to it) passes through: it is not this file's problem."""
    try:
        yield
    except OSError as error:
        if error.filename is None or os.fspath(error.filename) != os.fspath(path):
            raise
        raise unreadable(_os_problem(error)) from None
    except UnicodeDecodeError:
        raise unreadable("is not UTF-8 text") from None
    except (zipfile.BadZipFile, InvalidFileException):
        raise unreadable("is not a readable spreadsheet") from None


def check_state_folder(folder: Path) -> None:
    """Refuse (`CliError` ``bad_state_dir``, closed) a folder for an import's state file that
    is not one: checked before the first case opens, not after."""
    if not folder.is_dir():
        problem = "not found" if not folder.exists() else "is not a folder"
        raise CliError(BAD_STATE_DIR, f"the folder for the import state cannot be used: {problem}")


def unwritable(error: OSError) -> CliError:
    """The `CliError` ``bad_state_dir`` of an `OSError` writing the import's state file (a
    full disk, no permission); the import can be run again once it is fixed."""
    return CliError(
        BAD_STATE_DIR,
        f"the import state cannot be written: {_os_problem(error)}; run the import again"
        " once that is fixed (the cases already opened are not opened twice)",
    )


MAX_JSON_FILE_BYTES = 1024 * 1024
"""The most bytes read from a JSON body file (``--file``): four times the services' default
body limit (``HUB_MAX_BODY_BYTES``, 256 KiB), which a bigger body would exceed anyway."""


def read_bytes(path: Path, limit: int) -> bytes:
    """The bytes of ``path``, at most ``limit`` of them: the file is opened and ``limit + 1``
    bytes read, never the whole of a file named by mistake (``/dev/zero``, a disk image), which
    would fill the memory and end in a `MemoryError` traceback (a new user's trial).

    Raises :func:`unreadable` when they cannot be read, or "is larger than <limit> bytes"."""
    with reading(path), path.open("rb") as stream:
        raw = stream.read(limit + 1)
    if len(raw) > limit:
        raise unreadable(f"is larger than {limit} bytes")
    return raw


def read_text(path: Path, limit: int) -> str:
    """The UTF-8 text of ``path``, at most ``limit`` bytes of it (:func:`read_bytes`).

    Raises :func:`unreadable`: as :func:`read_bytes`, or "is not UTF-8 text"."""
    raw = read_bytes(path, limit)
    with reading(path):
        return raw.decode("utf-8")


def read_json_object(path: Path, what: str) -> dict[str, Any]:
    """The JSON object in ``path`` (``what`` names its model for the error, e.g.
    ``RegisterPartner``), read by `hub_runtime.strict_json` (RFC 8259 with I-JSON, RFC 7493).

    Raises `CliError` ``bad_file``: :func:`unreadable` (larger than `MAX_JSON_FILE_BYTES`
    too); "the file is refused as JSON (<the
    parser's code>): <its closed sentence>" (not UTF-8, not JSON, a duplicate member name,
    NaN, a number too large), as the API would refuse the body; or when the document is not
    one object."""
    raw = read_bytes(path, MAX_JSON_FILE_BYTES)
    try:
        body = strict_json.loads(raw)
    except strict_json.StrictJsonError as wrong:
        raise CliError(
            BAD_FILE, f"the file is refused as JSON ({wrong.code}): {wrong.problem}"
        ) from None
    if not isinstance(body, dict):
        raise CliError(BAD_FILE, f"the file must hold one JSON object ({what})")
    return body


def check_caseload(path: Path) -> None:
    """Read the caseload at ``path`` as `hub_client.import_caseload` will (``read_rows``), so
    that a file that cannot be read is refused before any request, as :func:`unreadable`.

    `CaseloadFileError` (not a caseload: another format, no header, a missing column) passes
    through. A ``.csv`` that `csv` cannot split is "not a readable CSV file". Any other failure
    while openpyxl reads an ``.xlsx`` is "not a readable spreadsheet": a damaged workbook
    raises whatever its broken part makes openpyxl raise (a zip without a workbook part:
    `KeyError`; broken XML: a ``ParseError``), and nothing but reading that file runs here."""
    with reading(path):
        path.open("rb").close()  # not found, a folder, no permission: said before its format
        try:
            read_rows(path)
        except (CaseloadFileError, UnicodeDecodeError, OSError):
            raise  # closed already, or worded by `reading`
        except csv.Error:
            raise unreadable("is not a readable CSV file") from None
        except Exception:
            if path.suffix.lower() != ".xlsx":
                raise  # a CSV reader's bug, not the file's problem: keep the traceback
            raise unreadable("is not a readable spreadsheet") from None
