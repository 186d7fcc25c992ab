"""A new user's trial (2026-12-01, afternoon), no running service needed: files named on the
command line (`hub import`, `hub partners register --file`) refused with a closed `bad_file`,
never a traceback nor the path; `hub status` with a port that is no number, or a service URL
that is malformed (sixth trial); ids in their canonical form only."""

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
import typer
from click.testing import Result
from hub_cli.app import app
from hub_cli.ids import CanonicalUuidType
from hub_client.caseload.files import STATE_DAMAGED, file_digest
from hub_runtime.auth import Role, verify_token
from typer._click import types as click_types
from typer.core import TyperGroup

from .conftest import Cli

NAME = "Fatima Haddad"
"""A person's name in a file's path (and content): no output may print it back."""


def _refused(result: Result, code: str, exit_code: int) -> dict[str, Any]:
    """The error document of a ``--json`` run refused with ``code``, checked to quote nothing."""
    assert result.exit_code == exit_code, (result.output, result.exception)
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception  # an uncaught exception is a traceback in a terminal
    error: dict[str, Any] = json.loads(result.stderr)
    assert set(error) == {"error", "detail", "reasons", "status"}
    assert (error["error"], error["reasons"], error["status"]) == (code, [], None)
    assert "Fatima" not in result.output
    assert "Haddad" not in result.output
    assert result.stdout == ""
    return error


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    named = tmp_path / NAME
    named.mkdir()
    return named


def _latin1_csv(folder: Path) -> Path:
    path = folder / f"{NAME}.csv"
    path.write_bytes("person_name;date_of_birth\nJosé Haddad;1987-01-01\n".encode("latin-1"))
    return path


def _garbage_xlsx(folder: Path) -> Path:
    path = folder / f"{NAME}.xlsx"
    path.write_bytes(b"not a zip at all, " + NAME.encode())
    return path


def _zip_without_workbook_xlsx(folder: Path) -> Path:
    path = folder / f"{NAME} 2.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", NAME)
    return path


def _folder_csv(folder: Path) -> Path:
    path = folder / f"{NAME} folder.csv"
    path.mkdir()
    return path


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda folder: folder / f"{NAME}.csv", "not found"),
        (lambda folder: folder / NAME, "not found"),  # no suffix: found missing before format
        (_folder_csv, "is a folder"),
        (_latin1_csv, "is not UTF-8 text"),
        (_garbage_xlsx, "is not a readable spreadsheet"),  # zipfile.BadZipFile
        (_zip_without_workbook_xlsx, "is not a readable spreadsheet"),  # openpyxl's KeyError
    ],
)
def test_import_of_a_file_it_cannot_read_is_a_closed_bad_file(
    cli: Cli, folder: Path, make: Any, problem: str
) -> None:
    """The trial: FileNotFoundError, IsADirectoryError, UnicodeDecodeError and BadZipFile
    were tracebacks quoting the path. Now exit 1, ``bad_file``, a closed sentence, with and
    without --json, before any request (the services here do not answer: exit 3 otherwise)."""
    path = make(folder)
    error = _refused(cli.invoke("import", str(path), "--json"), "bad_file", 1)
    assert error["detail"] == f"the file cannot be read: {problem}"
    plain = cli.invoke("import", str(path))
    assert plain.exit_code == 1
    assert plain.stderr == f"error bad_file: the file cannot be read: {problem}\n"


def test_import_into_a_state_folder_that_is_none_is_refused_first(cli: Cli, folder: Path) -> None:
    """``--no-dry-run`` writes a state file as each case opens: a ``--state-dir`` that is no
    folder was a traceback after the first case; now refused before any request."""
    caseload = folder / f"{NAME}.csv"
    caseload.write_text("person_name,date_of_birth,country_of_origin,region,location_type,stage\n")
    for where, problem in ((folder / "missing", "not found"), (caseload, "is not a folder")):
        result = cli.invoke("import", str(caseload), "--no-dry-run", "--state-dir", str(where))
        assert result.exit_code == 1, (result.output, result.exception)
        assert result.stderr == (
            f"error bad_state_dir: the folder for the import state cannot be used: {problem}\n"
        )


def _register(cli: Cli, path: Path) -> Result:
    return cli.invoke("partners", "register", "--file", str(path), "--json")


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (
            b'{"name": "' + NAME.encode() + b'", "name": "Other"}',
            "the file is refused as JSON (duplicate_key): an object has the same member name"
            " more than once",
        ),
        (
            b'{"name": "x", "countries": [NaN]}',
            "the file is refused as JSON (invalid_json): NaN and Infinity are not JSON numbers",
        ),
        (NAME.encode(), "the file is refused as JSON (invalid_json): is not valid JSON"),
        (b'["' + NAME.encode() + b'"]', "the file must hold one JSON object (RegisterPartner)"),
        (
            '{"name": "José"}'.encode("latin-1"),
            "the file is refused as JSON (invalid_json): is not UTF-8 text",
        ),
    ],
)
def test_partners_register_reads_its_file_as_the_api_reads_json(
    cli: Cli, folder: Path, content: bytes, detail: str
) -> None:
    """The trial: a duplicate member name was taken (last wins) where the API answers 422
    ``duplicate_key``, and every refusal quoted the path. Now `hub_runtime.strict_json`
    decides, and the sentence names neither the path nor the content."""
    path = folder / f"{NAME}.json"
    path.write_bytes(content)
    assert _refused(_register(cli, path), "bad_file", 1)["detail"] == detail


def test_partners_register_file_missing_or_a_folder_is_closed(cli: Cli, folder: Path) -> None:
    missing = _refused(_register(cli, folder / f"{NAME}.json"), "bad_file", 1)
    assert missing["detail"] == "the file cannot be read: not found"
    plain = cli.invoke("partners", "register", "--file", str(folder / f"{NAME}.json"))
    assert plain.stderr == "error bad_file: the file cannot be read: not found\n"
    assert _refused(_register(cli, folder), "bad_file", 1)["detail"] == (
        "the file cannot be read: is a folder"
    )


def test_partners_register_sends_a_strict_json_file(cli: Cli, folder: Path) -> None:
    """A file the strict parser takes goes on to referral (here: nothing answers, exit 3)."""
    path = folder / f"{NAME}.json"
    path.write_text(json.dumps({"name": "An NGO", "countries": ["IQ"]}))
    result = _register(cli, path)
    assert result.exit_code == 3, result.output
    assert json.loads(result.stderr)["error"] == "unreachable"


@pytest.mark.parametrize("as_json", [True, False])
def test_status_with_a_port_that_is_no_number_is_bad_setting(cli: Cli, as_json: bool) -> None:
    """The trial: ``CASEFILE_HTTP_PORT=abc hub status`` ended in a traceback of CliError."""
    env: dict[str, str | None] = {"HUB_CASEFILE_URL": None, "CASEFILE_HTTP_PORT": "abc"}
    offline = {"HUB_STACK_ENV_FILE": "/nonexistent", "HUB_KAFKA_BOOTSTRAP": "127.0.0.1:9"}
    result = cli.invoke("status", *(["--json"] if as_json else []), **env, **offline)
    assert result.exit_code == 1, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    detail = "CASEFILE_HTTP_PORT must be a port number from 1 to 65535"
    if as_json:
        assert json.loads(result.stderr) == {
            "error": "bad_setting",
            "detail": detail,
            "reasons": [],
            "status": None,
        }
    else:
        assert result.stderr == f"error bad_setting: {detail}\n"
    assert result.stdout == ""


def test_status_with_a_recorded_port_that_is_no_number_is_bad_setting(
    cli: Cli, tmp_path: Path
) -> None:
    recorded = tmp_path / "ports.env"
    recorded.write_text(f"CASEFILE_HTTP_PORT={NAME}\n")
    env: dict[str, str | None] = {"HUB_CASEFILE_URL": None, "CASEFILE_HTTP_PORT": None}
    result = cli.invoke("status", "--json", **env, HUB_PORTS_FILE=str(recorded))
    error = _refused(result, "bad_setting", 1)
    assert error["detail"].startswith("CASEFILE_HTTP_PORT ")


BAD_URLS = [
    "http://127.0.0.1:Fatima",  # httpx.InvalidURL: Invalid port
    "http://127.0.0.1:99999",  # OverflowError inside an ExceptionGroup
    "http://127.0.0.1:0",
    "http://Fatima Haddad:80",
    "http://:8101",
    "Fatima Haddad",
    "ftp://127.0.0.1:21",
]
"""Service URLs that are no base URL the CLI can call (sixth trial: each was a traceback)."""


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_malformed_service_url_is_bad_setting_naming_its_variable(cli: Cli, url: str) -> None:
    """``HUB_CASEFILE_URL='http://127.0.0.1:<not a port>' hub status`` and ``HUB_GATEWAY_URL``
    with ``hub partners clients`` ended in ~90 lines of traceback (sixth trial): every service
    URL is read through ``config.service_url``, which names the variable and quotes nothing."""
    offline = {"HUB_STACK_ENV_FILE": "/nonexistent", "HUB_KAFKA_BOOTSTRAP": "127.0.0.1:9"}
    partner = "8f0e9a44-1c3b-4c7e-9d0e-3f1f4b5a6c7d"
    for variable, command in [
        ("HUB_CASEFILE_URL", ["status"]),
        ("HUB_GATEWAY_URL", ["partners", "clients", partner]),
    ]:
        result = cli.invoke(*command, "--json", **{variable: url}, **offline)
        error = _refused(result, "bad_setting", 1)
        assert error["detail"] == (
            f"{variable} must be an http:// or https:// URL with a host and, if it has a port,"
            " a port from 1 to 65535"
        )
        plain = cli.invoke(*command, **{variable: url}, **offline)
        assert (plain.exit_code, plain.stdout) == (1, ""), plain.exception
        assert plain.stderr == f"error bad_setting: {error['detail']}\n"


CASE = "4e3720a1-5b6c-4d7e-8f90-a1b2c3d4e5f6"
EXAMPLE = "8f0e9a44-1c3b-4c7e-9d0e-3f1f4b5a6c7d"  # the sentence's example
NOT_CANONICAL = [
    CASE.upper(),
    f"urn:uuid:{CASE}",
    CASE.replace("-", ""),
    "{" + CASE + "}",
    f" {CASE}",
]


@pytest.mark.parametrize("spelling", NOT_CANONICAL)
@pytest.mark.parametrize(
    "args",
    [
        ("erase", "--yes", "{id}"),
        ("partners", "issue", "{id}"),
        ("partners", "clients", "{id}"),
        ("partners", "webhook", "{id}"),
        ("gateway", "deliveries", "--partner-id", "{id}"),
        ("token", "--role", "partner", "--partner-id", "{id}"),
    ],
)
def test_an_id_in_another_spelling_is_invalid_id(
    cli: Cli, args: tuple[str, ...], spelling: str
) -> None:
    """The trial: ``hub erase 4E3720A1-...`` erased the case (Click rewrote the id) while the
    API refuses such a spelling with 422. Now a usage error ``invalid_id`` (exit 2) before
    any request, quoting nothing; without the fix these reach the (absent) services: exit 3,
    or 0 for the token."""
    line = [spelling if a == "{id}" else a for a in args]
    result = cli.invoke("--json", *line)
    assert result.exit_code == 2, result.output
    error = json.loads(result.stderr)
    assert (error["error"], error["reasons"], error["status"]) == ("invalid_id", [], None)
    assert error["detail"].endswith(
        "not a UUID in its canonical form (32 lower-case hexadecimal digits in groups of"
        f" 8-4-4-4-12, e.g. {EXAMPLE})"
    )
    assert CASE[:8] not in result.output.lower()
    assert cli.invoke(*line).exit_code == 2


def test_the_canonical_id_is_taken(cli: Cli) -> None:
    result = cli.invoke("token", "--role", "partner", "--partner-id", CASE)
    assert result.exit_code == 0, result.output
    claims = verify_token("unit-test-secret-0123456789abcdef0123456789", result.stdout.strip())
    assert (claims.role, str(claims.partner_id)) == (Role.PARTNER, CASE)


def _commands(command: Any) -> list[Any]:
    if isinstance(command, TyperGroup):
        return [c for sub in command.commands.values() for c in _commands(sub)]
    return [command]


def test_every_id_parameter_is_canonical_only() -> None:
    """Every UUID argument or option of every command is read by `CanonicalUuidType` (one
    type for all: a new command with a plain ``UUID`` parameter fails here)."""
    ids = [
        (command.name, param.name)
        for command in _commands(typer.main.get_command(app))
        for param in command.params
        if isinstance(param.type, click_types.UUIDParameterType)
    ]
    assert len(ids) >= 6, ids
    plain = [
        (command.name, param.name)
        for command in _commands(typer.main.get_command(app))
        for param in command.params
        if isinstance(param.type, click_types.UUIDParameterType)
        and not isinstance(param.type, CanonicalUuidType)
    ]
    assert plain == []


@pytest.mark.parametrize("command", ["rotate", "revoke"])
@pytest.mark.parametrize(
    "client_id",
    [NAME, "Fatima.Haddad", "pc_1/../../cases", "pc_1?x=1", "", "Haddad" * 30, "pc_ï"],
)
def test_a_client_id_not_in_the_gateways_shape_is_invalid_id(
    cli: Cli, command: str, client_id: str
) -> None:
    """The fifth trial: ``hub partners rotate|revoke`` put the typed client id into the
    request's path unchecked. Now a usage error ``invalid_id`` (exit 2) before any request,
    quoting nothing; without the fix these reach the (absent) gateway: exit 3."""
    result = cli.invoke("--json", "partners", command, client_id)
    error = _refused(result, "invalid_id", 2)
    assert error["detail"].endswith(
        "not a client id (1 to 128 ASCII letters, digits, _ and -, e.g. pc_0123456789abcdef;"
        " see `hub partners clients`)"
    )
    plain = cli.invoke("partners", command, client_id)
    assert plain.exit_code == 2, plain.output
    assert "Haddad" not in plain.output


@pytest.mark.parametrize("command", ["rotate", "revoke"])
def test_a_client_id_in_the_gateways_shape_is_sent(cli: Cli, command: str) -> None:
    result = cli.invoke("--json", "partners", command, "pc_0123456789abcdef")
    assert result.exit_code == 3, result.output  # the (absent) gateway was asked
    assert json.loads(result.stderr)["error"] == "unreachable"


def test_import_with_the_state_file_of_another_input_names_no_file(cli: Cli, folder: Path) -> None:
    """The fifth trial: the refusal named the state file, called after the input (here a
    person's name). Refused before any request (the services here do not answer)."""
    caseload = folder / f"{NAME}.csv"
    header = "person_name,date_of_birth,country_of_origin,region,location_type,stage"
    caseload.write_text(f"{header}\nA B,1990-01-01,IQ,west,vbl,appeal_pending\n")
    state = folder / f"{NAME}.csv.import-state.jsonl"
    state.write_text('{"file_sha256": "' + "0" * 64 + '", "format": 1}\n')
    result = cli.invoke("import", str(caseload), "--no-dry-run", "--json")
    error = _refused(result, "caseload_unreadable", 1)
    assert "another version of the input" in error["detail"]


@pytest.mark.parametrize(
    "entry",
    [
        f'{{"row": "{NAME}", "case_id": "{CASE}"}}',  # was a ValueError quoting the row
        '{"row": 2}',  # was a KeyError
        f'"{NAME}"',  # was a TypeError
    ],
)
def test_import_with_a_damaged_state_file_is_refused_closed(
    cli: Cli, folder: Path, entry: str
) -> None:
    """The sixth trial: ``hub import --no-dry-run`` with a damaged state file ended in a
    traceback quoting the damaged line. Refused before any request, the file left as it is."""
    caseload = folder / f"{NAME}.csv"
    header = "person_name,date_of_birth,country_of_origin,region,location_type,stage"
    caseload.write_text(f"{header}\nA B,1990-01-01,IQ,west,vbl,appeal_pending\n")
    state = folder / f"{NAME}.csv.import-state.jsonl"
    first = json.dumps({"file_sha256": file_digest(caseload), "format": 1})
    state.write_text(f"{first}\n{entry}\n")
    result = cli.invoke("import", str(caseload), "--no-dry-run", "--json")
    error = _refused(result, "caseload_unreadable", 1)
    assert error["detail"] == STATE_DAMAGED
    plain = cli.invoke("import", str(caseload), "--no-dry-run")
    assert (plain.exit_code, plain.stdout) == (1, ""), plain.exception
    assert plain.stderr == f"error caseload_unreadable: {STATE_DAMAGED}\n"
    assert state.read_text() == f"{first}\n{entry}\n"
