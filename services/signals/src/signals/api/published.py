"""``/signals``: published releases for the advocacy team (and admins); reads never publish."""

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, PlainTextResponse
from hub_runtime.openapi_errors import errors

from signals.api import answers as out
from signals.api.common import RELEASE, Bus, Reader
from signals.messages import ListPublishedPeriods, ListTables, ReadCrosstab, ReadRelease, ReadTable
from signals.views import report_html, table_csv

router = APIRouter(prefix="/signals", tags=["signals"])


class CsvResponse(PlainTextResponse):
    """A CSV body (RFC 4180 `text/csv`), so that OpenAPI documents the media type sent."""

    media_type = "text/csv"


@router.get("/tables")
async def tables(who: Reader, bus: Bus) -> out.Tables:
    """The allowed cross-tabulations (the only tables that exist)."""
    specs = await bus.dispatch(ListTables())
    return out.Tables(
        tables=[out.TableSpec(name=s.name, dimensions=list(s.dimension_names)) for s in specs]
    )


@router.get("/periods")
async def periods(who: Reader, bus: Bus) -> out.Periods:
    """Published (closed) periods and their tables."""
    published = await bus.dispatch(ListPublishedPeriods())
    return out.Periods(
        periods=[
            out.Period(period=p.period, published_at=p.published_at.isoformat(), tables=p.tables)
            for p in published
        ]
    )


@router.get(
    "/periods/{period}/tables/{table}.csv",
    response_class=CsvResponse,
    responses=RELEASE,
)
async def table_as_csv(period: str, table: str, who: Reader, bus: Bus) -> PlainTextResponse:
    """One table as CSV (``suppressed`` is ``true``/``false``; formula-like cells escaped)."""
    payload = await bus.dispatch(ReadTable(period, table))
    # Both names are checked by now (an allowed table, a plausible period): safe in a header.
    return PlainTextResponse(
        table_csv(payload),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{period}_{table}.csv"'},
    )


@router.get("/periods/{period}/tables/{table}", responses=RELEASE)
async def table_as_json(period: str, table: str, who: Reader, bus: Bus) -> out.Table:
    """One table (the ``SignalsPublished.v2`` payload)."""
    return out.Table.model_validate(await bus.dispatch(ReadTable(period, table)))


@router.get("/periods/{period}/crosstab", responses=errors(400, 409))
async def crosstab(
    period: str,
    who: Reader,
    bus: Bus,
    dimensions: str = Query(description="Comma-separated dimension names, in any order"),
) -> out.Table:
    """The table with exactly these dimensions; any other cross-tabulation is refused."""
    wanted = tuple(d for d in dimensions.split(",") if d)
    return out.Table.model_validate(await bus.dispatch(ReadCrosstab(period, wanted)))


@router.get("/periods/{period}/report", response_class=HTMLResponse, responses=RELEASE)
async def report(period: str, who: Reader, bus: Bus) -> str:
    """Printable HTML report of a closed period."""
    release = await bus.dispatch(ReadRelease(period))
    return report_html(period, release)
