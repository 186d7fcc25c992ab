"""``hub token``: a development bearer token, as ``make token`` and ``python -m hub_runtime.auth``.

Signed with the hub's shared key (``hub_cli.config.shared_key``). Production identity replaces
these tokens; until then they are what every API accepts.
"""

from datetime import UTC, datetime, timedelta
from typing import Annotated
from uuid import UUID

import typer
from hub_runtime.auth import Role

from hub_cli import output
from hub_cli.config import development_token
from hub_cli.context import JSON_HELP
from hub_cli.ids import id_option
from hub_cli.output import handles_errors

JsonFlag = Annotated[bool, typer.Option("--json", help=JSON_HELP)]


@handles_errors()
def token(
    role: Annotated[Role, typer.Option(help="The role the token carries.")],
    sub: Annotated[str | None, typer.Option(help="Who it is for (default dev-<role>).")] = None,
    partner_id: Annotated[UUID | None, id_option("Required for role partner.")] = None,
    ttl: Annotated[int, typer.Option(min=1, help="Lifetime in seconds.")] = 8 * 3600,
    as_json: JsonFlag = False,
) -> None:
    """Print a development bearer token (only the token, so T=$(hub token --role admin) works).

    JSON: {"token", "role", "sub", "partner_id", "expires_at"}."""
    who = sub or f"dev-{role.value}"
    expires = datetime.now(UTC) + timedelta(seconds=ttl)
    minted = development_token(role, who, partner_id, ttl)
    if as_json:
        output.emit_json(
            {
                "token": minted,
                "role": role.value,
                "sub": who,
                "partner_id": str(partner_id) if partner_id else None,
                "expires_at": expires.isoformat(timespec="seconds"),
            }
        )
    else:
        typer.echo(minted)
