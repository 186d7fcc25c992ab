"""All SQL of the signals service."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hub_runtime.db import Connection

from signals.domain.catalogue import Contribution

PersonKey = tuple[str, str]
"""(period, person token): one person within one period."""


async def lock_people(conn: Connection, people: Sequence[PersonKey]) -> None:
    """Serialise contributions per person and period (the per-person cap is a count).

    Locks are taken in sorted order (unnest keeps the array's order), so two batches that share
    people never wait on each other in a cycle."""
    keys = sorted({f"{period}:{token}" for period, token in people})
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k", keys
    )


async def cells_of_people(
    conn: Connection, people: Sequence[PersonKey]
) -> dict[PersonKey, set[tuple[str, str]]]:
    """The (table, cell) pairs each person is already in, this period."""
    rows = await conn.fetch(
        "SELECT c.period, c.person_token, c.table_name, c.cell_key FROM contributions c"
        " JOIN unnest($1::text[], $2::text[]) AS p(period, person_token)"
        " ON c.period = p.period AND c.person_token = p.person_token",
        [period for period, _ in people],
        [token for _, token in people],
    )
    cells: dict[PersonKey, set[tuple[str, str]]] = {key: set() for key in people}
    for r in rows:
        cells[(r["period"], r["person_token"])].add((r["table_name"], r["cell_key"]))
    return cells


ContributionRow = tuple[str, str, Contribution]
"""(period, person token, the cell they join)."""


async def add_contributions(conn: Connection, rows: Sequence[ContributionRow]) -> None:
    """One statement for any number of rows (a row that exists already is left alone)."""
    await conn.execute(
        "INSERT INTO contributions (period, table_name, cell_key, coordinates, person_token)"
        " SELECT p, t, k, c::jsonb, pt FROM unnest($1::text[], $2::text[], $3::text[],"
        " $4::text[], $5::text[]) AS r(p, t, k, c, pt) ON CONFLICT DO NOTHING",
        [period for period, _, _ in rows],
        [c.table for _, _, c in rows],
        [c.cell_key for _, _, c in rows],
        [c.coordinates_json for _, _, c in rows],
        [token for _, token, _ in rows],
    )


async def add_reporting_consent(conn: Connection, rows: Sequence[tuple[str, str, str]]) -> None:
    """Rows of (period, person token of that period, consent token), in one statement."""
    await conn.execute(
        "INSERT INTO reporting_consents (period, person_token, consent_token)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING",
        [period for period, _, _ in rows],
        [token for _, token, _ in rows],
        [consent for _, _, consent in rows],
    )


async def withdraw_reporting_consent(
    conn: Connection, consent_token: str, from_period: str
) -> None:
    """Forget the consent's months from ``from_period`` on (published periods stay as they are)."""
    await conn.execute(
        "DELETE FROM reporting_consents WHERE consent_token = $1 AND period >= $2",
        consent_token,
        from_period,
    )


async def unpublished_periods(conn: Connection) -> list[str]:
    rows = await conn.fetch(
        "SELECT DISTINCT c.period FROM contributions c"
        " WHERE NOT EXISTS (SELECT 1 FROM published_periods p WHERE p.period = c.period)"
    )
    return [r["period"] for r in rows]


async def forget_person(conn: Connection, period: str, token: str) -> None:
    await conn.execute(
        "DELETE FROM contributions WHERE period = $1 AND person_token = $2", period, token
    )
    await conn.execute(
        "DELETE FROM reporting_consents WHERE period = $1 AND person_token = $2", period, token
    )


async def save_referral_fact(
    conn: Connection, referral_token: str, approved_at: datetime, partner_type: str
) -> None:
    await conn.execute(
        "INSERT INTO referral_facts (referral_token, approved_at, partner_type) "
        "VALUES ($1, $2, $3) ON CONFLICT (referral_token) DO NOTHING",
        referral_token,
        approved_at,
        partner_type,
    )


async def referral_fact(conn: Connection, referral_token: str) -> tuple[datetime, str] | None:
    row = await conn.fetchrow(
        "SELECT approved_at, partner_type FROM referral_facts WHERE referral_token = $1",
        referral_token,
    )
    return None if row is None else (row["approved_at"], row["partner_type"])


async def cell_counts(
    conn: Connection,
    period: str,
    table: str,
    dimensions: Sequence[str],
    *,
    require_consent: bool,
) -> dict[tuple[str, ...], int]:
    """Distinct persons per cell of one table (only consenting persons when required)."""
    consent_join = (
        "JOIN reporting_consents rc ON rc.period = c.period AND rc.person_token = c.person_token"
        if require_consent
        else ""
    )
    rows = await conn.fetch(
        f"SELECT c.coordinates::text AS coordinates, count(DISTINCT c.person_token) AS n "  # noqa: S608 (fixed fragments only)
        f"FROM contributions c {consent_join} "
        "WHERE c.period = $1 AND c.table_name = $2 GROUP BY c.coordinates::text",
        period,
        table,
    )
    counts: dict[tuple[str, ...], int] = {}
    for row in rows:
        coordinates: dict[str, str] = json.loads(row["coordinates"])
        # jsonb reorders keys: rebuild the key in the table's dimension order.
        counts[tuple(coordinates[d] for d in dimensions)] = int(row["n"])
    return counts


async def contribution_summary(conn: Connection) -> list[dict[str, Any]]:
    """How many contributions exist per period and table (no cells, no counts per cell)."""
    rows = await conn.fetch(
        "SELECT period, table_name, count(*) AS contributions FROM contributions "
        "GROUP BY period, table_name ORDER BY period, table_name"
    )
    return [dict(r) for r in rows]


async def periods_with_contributions(conn: Connection) -> list[str]:
    rows = await conn.fetch("SELECT DISTINCT period FROM contributions ORDER BY period")
    return [r["period"] for r in rows]


async def lock_period(conn: Connection, period: str) -> None:
    """Only one publisher at a time per period (worker and API may both try)."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"signals-publish:{period}"
    )


async def is_published(conn: Connection, period: str) -> bool:
    return bool(await conn.fetchval("SELECT true FROM published_periods WHERE period = $1", period))


async def published_periods(conn: Connection) -> list[tuple[str, datetime, list[str]]]:
    rows = await conn.fetch(
        "SELECT p.period, p.published_at, array_agg(r.table_name ORDER BY r.table_name) AS tables"
        " FROM published_periods p JOIN releases r USING (period)"
        " GROUP BY p.period, p.published_at ORDER BY p.period"
    )
    return [(r["period"], r["published_at"], list(r["tables"])) for r in rows]


async def save_release(
    conn: Connection, period: str, tables: Sequence[tuple[str, dict[str, Any]]]
) -> None:
    await conn.executemany(
        "INSERT INTO releases (period, table_name, payload) VALUES ($1, $2, $3::jsonb)",
        [(period, name, json.dumps(payload)) for name, payload in tables],
    )
    await conn.execute("INSERT INTO published_periods (period) VALUES ($1)", period)


async def release(conn: Connection, period: str) -> dict[str, dict[str, Any]]:
    """The stored release of a period: table name to the published payload."""
    rows = await conn.fetch(
        "SELECT table_name, payload::text AS payload FROM releases WHERE period = $1", period
    )
    return {r["table_name"]: json.loads(r["payload"]) for r in rows}


async def releases_of_table(conn: Connection, table: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT payload::text AS payload FROM releases WHERE table_name = $1 ORDER BY period",
        table,
    )
    return [json.loads(r["payload"]) for r in rows]


async def lock_ledger(conn: Connection, period: str) -> dict[str, float]:
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"signals-ledger:{period}"
    )
    rows = await conn.fetch(
        "SELECT table_name, epsilon FROM privacy_ledger WHERE period = $1", period
    )
    return {r["table_name"]: float(r["epsilon"]) for r in rows}


async def record_spend(conn: Connection, period: str, table: str, epsilon: float) -> None:
    await conn.execute(
        "INSERT INTO privacy_ledger (period, table_name, epsilon) VALUES ($1, $2, $3)",
        period,
        table,
        epsilon,
    )
