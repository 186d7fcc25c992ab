"""The ``hub`` command: its groups and the root options (``--token``).

Shell completion is Typer's: ``hub --install-completion`` / ``hub --show-completion``.
"""

import logging
import sys
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from typer.core import TyperGroup

from hub_cli import dead_letters, keys, operations, partners, status, token
from hub_cli.config import Identity
from hub_cli.usage import JsonUsageGroup

app = typer.Typer(
    name="hub",
    cls=JsonUsageGroup,
    help="The council hub's operator command line. Add --json to any command for scripts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    bearer: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="HUB_TOKEN",
            help="Bearer token for the services' APIs. Without it, development mode"
            " (HUB_ENV=development) mints one from the shared key.",
            show_envvar=True,
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="JSON for scripts, for any command: the same as --json after the command.",
        ),
    ] = False,
) -> None:
    """Operate the hub: status, partners, dead letters, erasure, signals, tokens, imports,
    keys."""
    ctx.obj = Identity(token=bearer)
    if as_json:
        # Click gives each subcommand its defaults from the parent's ``default_map`` (the
        # subcommand's context is made after this callback): ``hub --json partners list`` is
        # ``hub partners list --json``.
        ctx.default_map = {**(ctx.default_map or {}), **json_defaults(ctx.command)}


def json_defaults(command: object) -> dict[str, Any]:
    """Click's ``default_map`` that turns on ``--json`` (parameter ``as_json``) in every
    command under ``command`` (a Typer group or command) that has it, nested by subcommand
    name."""
    defaults: dict[str, Any] = {}
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            nested = json_defaults(sub)
            if nested:
                defaults[name] = nested
    elif any(param.name == "as_json" for param in getattr(command, "params", ())):
        defaults["as_json"] = True
    return defaults


app.command("status")(status.status)
app.command("token")(token.token)
app.command("erase")(operations.erase)
app.command("import")(operations.import_caseload)
app.add_typer(partners.app, name="partners")
app.add_typer(dead_letters.app, name="dead-letters")
app.add_typer(operations.signals_app, name="signals")
app.add_typer(operations.gateway_app, name="gateway")
app.add_typer(keys.app, name="keys")


def main() -> None:
    """The ``hub`` console script.

    aiokafka logs a broker it cannot reach at ERROR on stderr; the commands say so themselves
    (``unreachable``), so its own lines are silenced here, in the command's process only."""
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    try:
        app()
    except ValidationError as wrong:
        # A setting from the environment (HUB_ENV=prod, a malformed URL) is an operator's
        # typing error: name the variable and what it should be, not a traceback.
        for error in wrong.errors(include_input=False):
            variable = "HUB_" + "_".join(str(part) for part in error["loc"]).upper()
            print(f"error setting {variable}: {error['msg']}", file=sys.stderr)
        sys.exit(2)
