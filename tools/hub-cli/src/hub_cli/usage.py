"""Usage errors (Click's: an unknown command or option, a missing argument) under ``--json``.

Click prints them as text on stderr and exits 2 before any command runs, so a command's own
``--json`` handling (`hub_cli.output.handles_errors`) never sees them. The root group is this
module's :class:`JsonUsageGroup`: when ``--json`` is anywhere on the command line, such an
error is printed as the hub's one error shape (``{"error": "usage", "detail", "reasons",
"status"}``) on stderr instead, with Click's exit code (2) unchanged.

Whatever the output, a usage error quotes nothing the operator typed (the fourth trial's
finding: ``hub erase <a pasted name>`` printed Click's ``'<the name>' is not a valid UUID``).
The root group's :meth:`JsonUsageGroup.invoke` and ``make_context`` turn every refused value
(Click's ``BadParameter``: a UUID, a choice, a number), an unknown command or option and extra
arguments into a closed sentence naming the parameter and what it takes (:func:`closed`); a
malformed id gets the code ``invalid_id`` (a UUID or a partner API client's id,
`hub_cli.ids`), as ``hub dead-letters show`` gives a malformed letter id.
"""

import json
import sys
from collections.abc import Sequence
from enum import Enum
from typing import Any

import typer

# Typer vendors Click (``typer._click``); its parameter types and exceptions are only there.
from typer._click import exceptions as click_errors
from typer._click import types as click_types
from typer._click.core import Context
from typer._types import TyperChoice
from typer.core import TyperGroup

from hub_cli import ids
from hub_cli.output import CliError

USAGE = "usage"
"""The error code of a command line Click could not parse."""
INVALID_ID = "invalid_id"
"""The error code of an argument or option that should be an id and is not."""


class ClosedUsageError(click_errors.BadParameter):
    """A usage error whose sentence quotes nothing typed, with the hub's error ``code``."""

    def __init__(self, code: str, message: str, error: click_errors.UsageError) -> None:
        super().__init__(message, error.ctx, getattr(error, "param", None))
        self.code = code

    def format_message(self) -> str:
        """``Invalid value for '<parameter>': <sentence>``, or the sentence alone."""
        return super().format_message() if self.param is not None else self.message


class JsonUsageGroup(TyperGroup):
    """The ``hub`` root group: Typer's, with usage errors as JSON under ``--json``."""

    def invoke(self, ctx: Context) -> Any:
        """Click's ``invoke`` (which parses and runs the subcommands), every usage error but a
        missing one or an unknown option made closed by :func:`closed`."""
        try:
            return super().invoke(ctx)
        except click_errors.UsageError as error:
            raise closed(error) from None

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: Context | None = None,
        **extra: Any,
    ) -> Context:
        """Click's ``make_context`` (which parses the root's own options), a usage error
        there (``hub --<unknown> status``) made closed by :func:`closed` as in
        :meth:`invoke`; ``hub`` alone still prints the help."""
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click_errors.NoArgsIsHelpError:
            raise
        except click_errors.UsageError as error:
            raise closed(error) from None

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
            code = error.code if isinstance(error, ClosedUsageError) else USAGE
            _emit(CliError(code, _message(error), exit_code=exit_code))
            sys.exit(exit_code)
        except typer.Abort:
            _emit(CliError("aborted", "nothing was done"))
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def closed(error: click_errors.UsageError) -> click_errors.UsageError:
    """``error`` with a sentence that quotes none of the command line's values.

    A missing argument, a misused option (Click names only an option of ours: ``Option
    '--role' requires an argument.``) and a closed error are returned as they are; a refused
    value names its parameter and what that takes (:func:`expected`); any other usage error
    (an unknown command or option, extra arguments) says where to look. An unknown option
    is what was typed (the seventh trial: ``hub --<a pasted name> status`` printed it back),
    and so are Click's "Possible options" guessed from it: neither is repeated."""
    if isinstance(error, ClosedUsageError | click_errors.MissingParameter):
        return error
    if isinstance(error, click_errors.BadOptionUsage):
        return error
    if isinstance(error, click_errors.BadParameter) and error.param is not None:
        is_id = isinstance(error.param.type, click_types.UUIDParameterType | ids.ClientIdType)
        return ClosedUsageError(INVALID_ID if is_id else USAGE, expected(error.param.type), error)
    ctx = error.ctx
    where = f"`{ctx.command_path} --help`" if ctx is not None else "`hub --help`"
    if isinstance(error, click_errors.NoSuchOption):
        sentence = f"not an option this command takes: see {where}"
    elif ctx is not None and isinstance(ctx.command, TyperGroup):
        sentence = f"name one of the commands of {ctx.command_path}: see {where}"
    else:
        sentence = f"not a command line this command reads: see {where}"
    return ClosedUsageError(USAGE, sentence, error)


def expected(kind: click_types.ParamType) -> str:
    """What a parameter of type ``kind`` takes, in a sentence quoting no value."""
    if isinstance(kind, click_types.UUIDParameterType):
        return ids.EXPECTED
    if isinstance(kind, ids.ClientIdType):
        return ids.CLIENT_ID_EXPECTED
    if isinstance(kind, TyperChoice):
        return "should be one of " + ", ".join(
            str(c.value if isinstance(c, Enum) else c) for c in kind.choices
        )
    if isinstance(kind, click_types.IntRange | click_types.FloatRange):
        what = "a whole number" if isinstance(kind, click_types.IntRange) else "a number"
        low = "" if kind.min is None else f" from {kind.min}"
        high = "" if kind.max is None else f" up to {kind.max}"
        return f"should be {what}{low}{high}"
    if isinstance(kind, click_types.IntParamType):
        return "should be a whole number"
    if isinstance(kind, click_types.FloatParamType):
        return "should be a number"
    if isinstance(kind, click_types.DateTime):
        return "should be a date or time as " + " or ".join(kind.formats)
    return "not a value this parameter takes: see --help"


def _message(error: Exception) -> str:
    format_message = getattr(error, "format_message", None)
    return str(format_message()) if callable(format_message) else str(error)


def _emit(error: CliError) -> None:
    typer.echo(json.dumps(error.as_json(), indent=2), err=True)
