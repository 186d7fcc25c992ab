"""``hub erase``, ``hub signals publish``, ``hub gateway deliveries|notices`` and ``hub import``."""

import asyncio
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import typer
from hub_client import HubClient, HubError, HubUnreachableError, ImportReport
from hub_client import import_caseload as run_import
from hub_client.caseload import CaseloadFileError
from hub_runtime.auth import Role
from partner_gateway import admin as gateway_admin
from partner_gateway.domain.delivery import DELIVERY_STATES

from hub_cli import files, output
from hub_cli.config import service_url
from hub_cli.context import JSON_HELP, identity
from hub_cli.http import call
from hub_cli.ids import id_argument, id_option
from hub_cli.output import UNREACHABLE, CliError, handles_errors

JsonFlag = Annotated[bool, typer.Option("--json", help=JSON_HELP)]

signals_app = typer.Typer(help="Signals: the anonymous aggregates.")
gateway_app = typer.Typer(help="The partner gateway's logs: deliveries and notices.")


@handles_errors()
def erase(
    ctx: typer.Context,
    case_id: Annotated[UUID, id_argument("The case whose person is erased.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Erase the person of a case (crypto-shredding: casefile destroys the person's key and
    keeps a tombstone). Irreversible; asks first unless --yes. JSON: {"case_id", "erased"}."""
    # The question goes to stderr: stdout stays the one JSON document with --json.
    asked = f"Erase the person of case {case_id}? This is final"
    if not yes and not typer.confirm(asked, err=True):
        raise CliError("not_confirmed", "nothing erased")
    # Coordinator or admin may erase (casefile.api.roles.Manager); the CLI acts as admin.
    erased = call(identity(ctx), "casefile", "DELETE", f"/cases/{case_id}/person", role=Role.ADMIN)
    output.emit_json(erased) if as_json else output.fields("erased", erased)


@signals_app.command()
@handles_errors()
def publish(
    ctx: typer.Context,
    period: Annotated[str, typer.Argument(help="The month, YYYY-MM (closed: 5 days after).")],
    as_json: JsonFlag = False,
) -> None:
    """Publish a closed period now; a second call answers the stored release unchanged.

    JSON: the Release ({"period", "tables"}). A period still open: 409 period_open."""
    release = call(
        identity(ctx), "signals", "POST", f"/admin/periods/{period}/publish", role=Role.ADMIN
    )
    if as_json:
        output.emit_json(release)
        return
    tables: dict[str, dict[str, Any]] = release.get("tables") or {}
    output.table(
        f"release {release['period']}",
        ["table", "cells", "suppressed"],
        [
            (name, len(t["cells"]), sum(1 for c in t["cells"] if c["suppressed"]))
            for name, t in tables.items()
        ],
    )


def _listing(title: str, answer: dict[str, Any], as_json: bool) -> None:
    if as_json:
        output.emit_json(answer)
        return
    items: list[dict[str, Any]] = answer.get("items", [])
    columns = list(items[0]) if items else ["(none)"]
    output.table(title, columns, [[item.get(c) for c in columns] for item in items])


@gateway_app.command()
@handles_errors()
def deliveries(
    ctx: typer.Context,
    partner_id: Annotated[UUID | None, id_option("Only this partner's deliveries.")] = None,
    state: Annotated[str | None, typer.Option(help=", ".join(DELIVERY_STATES))] = None,
    as_json: JsonFlag = False,
) -> None:
    """The delivery log (webhook attempts and outcomes). JSON: the gateway's DeliveryLog."""
    request = gateway_admin.deliveries(str(partner_id) if partner_id else None, state)
    answer = call(
        identity(ctx), "partner-gateway", "GET", request.path, role=Role.ADMIN, query=request.query
    )
    _listing("deliveries", answer, as_json)


@gateway_app.command()
@handles_errors()
def notices(
    ctx: typer.Context,
    overdue: Annotated[bool, typer.Option(help="Only unacknowledged ones past due.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Withdrawal and erasure notices to partners. JSON: the gateway's Notices."""
    request = gateway_admin.notices(overdue)
    answer = call(
        identity(ctx), "partner-gateway", "GET", request.path, role=Role.ADMIN, query=request.query
    )
    _listing("notices", answer, as_json)


@handles_errors()
def import_caseload(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A CSV or XLSX caseload.")],
    dry_run: Annotated[bool, typer.Option(help="Validate only; import nothing.")] = True,
    state_dir: Annotated[
        Path | None,
        typer.Option(help="Where the resumable state file goes (default: beside the file)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Import a caseload through the public API as a counsellor (hub_client.import_caseload):
    a dry run by default (every row the services would refuse, and why, without any cell
    value); --no-dry-run imports, resumably (run it again after an interruption).

    JSON: {"file", "dry_run", "rows", "refused_rows", "imported", "already_imported",
    "state_file", "problems": [{"row", "column", "code", "reason"}]}. Exit 1 when a row is
    refused."""
    bearer = identity(ctx).bearer(Role.COUNSELLOR)

    async def run() -> ImportReport:
        async with HubClient(service_url("casefile"), service_url("referral"), bearer) as client:
            return await run_import(
                file, client, dry_run=dry_run, progress=not as_json, state_dir=state_dir
            )

    try:
        files.check_caseload(file)  # read once first: a file it cannot read is refused, closed
        if not dry_run:
            files.check_state_folder(state_dir if state_dir is not None else file.parent)
        with files.reading(file):
            report = asyncio.run(run())
    except OSError as failed:  # not about the file (`files.reading`): its state file
        raise files.unwritable(failed) from None
    except CaseloadFileError as wrong:
        raise CliError("caseload_unreadable", str(wrong)) from wrong
    except HubUnreachableError as down:
        raise CliError("unreachable", down.detail, exit_code=UNREACHABLE) from down
    except HubError as refused:  # 401/403: the whole import is refused, not a row
        raise CliError(
            refused.error, refused.detail, reasons=refused.reasons, status=refused.status
        ) from refused
    if as_json:
        output.emit_json(report.as_json())
    else:
        verb = "would import" if dry_run else "imported"
        done = report.rows - len(report.refused_rows) if dry_run else report.imported
        typer.echo(f"{report.rows} rows: {verb} {done}, refused {len(report.refused_rows)}")
        for problem in report.problems:
            typer.echo(f"  row {problem.row} {problem.column}: {problem.code}: {problem.reason}")
    if report.problems:
        raise typer.Exit(1)
