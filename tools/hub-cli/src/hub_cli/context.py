"""What the root command hands every command: who the CLI acts as."""

import typer

from hub_cli.config import Identity

JSON_HELP = "One JSON document on stdout for scripts (stable keys); errors as JSON on stderr."


def identity(ctx: typer.Context) -> Identity:
    """The :class:`Identity` the root callback stored (``--token``/``HUB_TOKEN``), or none."""
    found = ctx.find_root().obj
    return found if isinstance(found, Identity) else Identity()
