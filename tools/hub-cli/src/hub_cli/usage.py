"""Usage errors (Click's: an unknown command or option, a missing argument) under ``--json``.

Click prints them as text on stderr and exits 2 before any command runs, so a command's own
``--json`` handling (`hub_cli.output.handles_errors`) never sees them. The root group is this
module's :class:`JsonUsageGroup`: when ``--json`` is anywhere on the command line, such an
error is printed as the hub's one error shape (``{"error": "usage", "detail", "reasons",
"status"}``) on stderr instead, with Click's exit code (2) unchanged.
"""

import json
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from hub_cli.output import CliError

USAGE = "usage"
"""The error code of a command line Click could not parse."""


class JsonUsageGroup(TyperGroup):
    """The ``hub`` root group: Typer's, with usage errors as JSON under ``--json``."""

    def main(  # type: ignore[override]  # Click's main is typed to return Any or NoReturn
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command line ``args`` (``sys.argv[1:]`` when None) as Click does; with
        ``--json`` among them (and standalone), a usage error is the error shape in JSON on
        stderr and ``Abort`` (a question answered no, Ctrl-C) is ``aborted``, exit code 1."""
        argv = list(sys.argv[1:] if args is None else args)
        if not standalone_mode or "--json" not in argv:
            return super().main(argv, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(argv, prog_name, complete_var, False, **extra)
        except typer.TyperException as error:  # Click's ClickException, vendored by Typer
            exit_code = int(getattr(error, "exit_code", 2))
            _emit(CliError(USAGE, _message(error), exit_code=exit_code))
            sys.exit(exit_code)
        except typer.Abort:
            _emit(CliError("aborted", "nothing was done"))
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _message(error: Exception) -> str:
    format_message = getattr(error, "format_message", None)
    return str(format_message()) if callable(format_message) else str(error)


def _emit(error: CliError) -> None:
    typer.echo(json.dumps(error.as_json(), indent=2), err=True)
