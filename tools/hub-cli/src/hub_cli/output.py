"""What a command prints: a Rich rendering for people, one JSON document for scripts, and errors.

Exit codes (stable, for scripts): 0 done; 1 the hub refused or failed (its ``ErrorBody``: code
and detail), or a local check refused the input; 2 wrong usage (Typer/Click's own); 3 something
did not answer or is not ready (a service, Kafka, PostgreSQL; ``hub status`` with a failing
check).
"""

import functools
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table

REFUSED = 1
USAGE = 2  # as Click's own usage errors
UNREACHABLE = 3

P = ParamSpec("P")
R = TypeVar("R")


class CliError(Exception):
    """An expected failure, shown as ``code: detail`` and never as a traceback.

    ``code`` is the hub's error code when a service refused (``ErrorBody.error``, e.g.
    ``not_found``) or the CLI's own (``unreachable``, ``no_token``, ``not_installed``, ...);
    ``status`` the HTTP status when there was one; ``exit_code`` one of this module's codes."""

    def __init__(
        self,
        code: str,
        detail: str,
        *,
        reasons: Sequence[str] = (),
        status: int | None = None,
        exit_code: int = REFUSED,
    ) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.reasons = list(reasons)
        self.status = status
        self.exit_code = exit_code

    def as_json(self) -> dict[str, Any]:
        """``{"error", "detail", "reasons", "status"}``: the hub's ErrorBody plus the status."""
        return {
            "error": self.code,
            "detail": self.detail,
            "reasons": self.reasons,
            "status": self.status,
        }


def emit_json(data: object) -> None:
    """``data`` as one indented JSON document on stdout (dates and UUIDs as strings)."""
    typer.echo(json.dumps(data, indent=2, default=str))


def console() -> Console:
    """A console on the current stdout (created per call: tests swap stdout)."""
    return Console(file=sys.stdout, soft_wrap=False)


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print a Rich table of ``rows`` (each cell rendered with ``str``, None as an empty cell)."""
    rendered = Table(title=title)
    for column in columns:
        rendered.add_column(column, overflow="fold")
    for row in rows:
        rendered.add_row(*("" if cell is None else str(cell) for cell in row))
    console().print(rendered)


def fields(title: str, data: dict[str, Any]) -> None:
    """Print one object as a two-column Rich table (field, value)."""
    table(title, ["field", "value"], [(k, _cell(v)) for k, v in data.items()])


def _cell(value: object) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value, default=str)
    return "" if value is None else str(value)


def handles_errors(json_flag: str = "as_json") -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a command: a :class:`CliError` becomes a message on stderr and its exit code.

    With the command's ``json_flag`` keyword argument true, the message is the error's JSON
    (:meth:`CliError.as_json`); otherwise one line, ``error <code>: <detail>`` and one line per
    reason. Other exceptions are bugs and keep their traceback."""

    def decorate(command: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(command)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return command(*args, **kwargs)
            except CliError as error:
                if kwargs.get(json_flag):
                    typer.echo(json.dumps(error.as_json(), indent=2), err=True)
                else:
                    status = f" (HTTP {error.status})" if error.status else ""
                    typer.echo(f"error {error.code}{status}: {error.detail}", err=True)
                    for reason in error.reasons:
                        typer.echo(f"  - {reason}", err=True)
                raise typer.Exit(error.exit_code) from None

        return run

    return decorate
