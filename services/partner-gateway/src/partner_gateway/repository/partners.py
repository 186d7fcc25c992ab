"""SQL of the partner directory as the gateway keeps it: entries, webhook and its signing
secrets, circuit breaker state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
from hub_contracts import PartnerType, Purpose
from hub_runtime.db import Connection

from partner_gateway.domain.model import PartnerView


class PartnerRepository:
    """`protocols.PartnerStore` on PostgreSQL (``partners``, ``webhook_retired_secrets``),
    plus the delivery worker's circuit breaker (``record_success``, ``failures``,
    ``record_failure``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def upsert(
        self,
        partner_id: UUID,
        partner_type: PartnerType,
        purposes: Sequence[Purpose],
        countries: Sequence[str],
        active: bool,
        agreement_valid_until: date | None,
        origin_authority: bool,
    ) -> None:
        """Store the directory's entry; ``origin_authority`` sets the permanent classification,
        which no later entry lifts (``ever_origin_authority`` is only ever OR-ed)."""
        await self.conn.execute(
            "INSERT INTO partners (partner_id, partner_type, purposes, countries, active,"
            " agreement_valid_until, ever_origin_authority) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (partner_id) DO UPDATE SET partner_type = EXCLUDED.partner_type,"
            " purposes = EXCLUDED.purposes, countries = EXCLUDED.countries,"
            " active = EXCLUDED.active, agreement_valid_until = EXCLUDED.agreement_valid_until,"
            " ever_origin_authority = partners.ever_origin_authority"
            " OR EXCLUDED.ever_origin_authority, updated_at = now()",
            partner_id,
            str(partner_type),
            [str(p) for p in purposes],
            list(countries),
            active,
            agreement_valid_until,
            origin_authority,
        )

    async def get(self, partner_id: UUID) -> PartnerView | None:
        row = await self.conn.fetchrow("SELECT * FROM partners WHERE partner_id = $1", partner_id)
        return None if row is None else partner_of(row)

    async def set_webhook(
        self,
        partner_id: UUID,
        url: str,
        secret: str,
        previous_secret: str | None,
        previous_until: datetime | None,
    ) -> None:
        """The partner's endpoint and current signing secret; the secret it replaces signs on
        until ``previous_until`` (the end promised to the partner), like every secret retired
        earlier until the end promised for it. Secrets past their end are deleted."""
        await self.conn.execute(
            "UPDATE partners SET webhook_url = $2, webhook_secret = $3,"
            " consecutive_failures = 0, breaker_open_until = NULL,"
            " updated_at = now() WHERE partner_id = $1",
            partner_id,
            url,
            secret,
        )
        await self.conn.execute(
            "DELETE FROM webhook_retired_secrets WHERE partner_id = $1 AND valid_until <= now()",
            partner_id,
        )
        if previous_secret is not None and previous_until is not None:
            await self.conn.execute(
                "INSERT INTO webhook_retired_secrets (partner_id, secret, valid_until)"
                " VALUES ($1, $2, $3) ON CONFLICT (partner_id, secret) DO UPDATE"
                " SET valid_until = GREATEST(webhook_retired_secrets.valid_until, $3)",
                partner_id,
                previous_secret,
                previous_until,
            )

    async def current_secret(self, partner_id: UUID) -> str | None:
        value = await self.conn.fetchval(
            "SELECT webhook_secret FROM partners WHERE partner_id = $1", partner_id
        )
        return None if value is None else str(value)

    async def retired_secrets(self, partner_id: UUID) -> list[str]:
        rows = await self.conn.fetch(
            "SELECT secret FROM webhook_retired_secrets WHERE partner_id = $1"
            " AND valid_until > now() ORDER BY valid_until DESC",
            partner_id,
        )
        return [str(r["secret"]) for r in rows]

    async def remove_webhook(self, partner_id: UUID) -> None:
        await self.conn.execute(
            "UPDATE partners SET webhook_url = NULL, webhook_secret = NULL WHERE partner_id = $1",
            partner_id,
        )
        await self.conn.execute(
            "DELETE FROM webhook_retired_secrets WHERE partner_id = $1", partner_id
        )

    async def record_success(self, partner_id: UUID) -> None:
        """A delivery to the partner succeeded: its circuit closes."""
        await self.conn.execute(
            "UPDATE partners SET consecutive_failures = 0, breaker_open_until = NULL"
            " WHERE partner_id = $1",
            partner_id,
        )

    async def failures(self, partner_id: UUID) -> int:
        """Consecutive failed deliveries to the partner (row locked until the transaction ends)."""
        value = await self.conn.fetchval(
            "SELECT consecutive_failures FROM partners WHERE partner_id = $1 FOR UPDATE",
            partner_id,
        )
        return int(value or 0)

    async def record_failure(
        self, partner_id: UUID, failures: int, open_until: datetime | None
    ) -> None:
        """Store the failure count; ``open_until`` (if given) opens the circuit until then."""
        await self.conn.execute(
            "UPDATE partners SET consecutive_failures = $2,"
            " breaker_open_until = COALESCE($3, breaker_open_until) WHERE partner_id = $1",
            partner_id,
            failures,
            open_until,
        )

    async def breaker_states(self) -> list[dict[str, Any]]:
        rows = await self.conn.fetch(
            "SELECT partner_id, consecutive_failures, breaker_open_until FROM partners"
            " WHERE webhook_url IS NOT NULL ORDER BY partner_id"
        )
        return [dict(r) for r in rows]


def partner_of(row: asyncpg.Record | Mapping[str, Any]) -> PartnerView:
    """A ``partners`` row (or the same columns from a join) as the view."""
    return PartnerView(
        partner_id=row["partner_id"],
        partner_type=PartnerType(row["partner_type"]),
        purposes=frozenset(Purpose(p) for p in row["purposes"]),
        countries=frozenset(row["countries"]),
        active=row["active"],
        webhook_url=row["webhook_url"],
        agreement_valid_until=row["agreement_valid_until"],
        ever_origin_authority=row["ever_origin_authority"],
    )
