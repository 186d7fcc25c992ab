"""All SQL of the partner directory and of its change audit (migration 0020)."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import asyncpg
from hub_contracts import PartnerType, Purpose

from referral.domain.model import Partner
from referral.repository._base import PgRepository
from referral.repository.ports import PartnerChange, Record, added_concurrently


class PgPartners(PgRepository):
    """`ports.PartnerRepository` on the ``partners`` table."""

    async def add(self, partner: Partner) -> None:
        """Add an entry (a trigger sets ``ever_origin_authority`` for authority_origin,
        migration 0020). Raises `ConflictError` ``partner_added_concurrently`` when the id
        was added meanwhile (an HSDS import names its ids; two at once for one new id)."""
        try:
            async with self.conn.transaction():  # a savepoint: only the insert is undone
                await self.conn.execute(
                    "INSERT INTO partners (partner_id, name, partner_type, countries, services,"
                    " purposes, agreement_reference, agreement_valid_from, agreement_valid_until,"
                    " active, ever_origin_authority, description)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    *_columns(partner),
                )
        except asyncpg.UniqueViolationError as error:
            if error.constraint_name != "partners_pkey":
                raise
            raise added_concurrently() from None

    async def replace(self, partner: Partner) -> bool:
        """Replace the entry; False when there is no such partner.

        ``ever_origin_authority`` is only ever OR-ed in: no update lifts it (and a trigger
        refuses a change of type of a flagged entry, migration 0020)."""
        status = await self.conn.execute(
            "UPDATE partners SET name = $2, partner_type = $3, countries = $4, services = $5,"
            " purposes = $6, agreement_reference = $7, agreement_valid_from = $8,"
            " agreement_valid_until = $9, active = $10,"
            " ever_origin_authority = ever_origin_authority OR $11, description = $12,"
            " updated_at = now()"
            " WHERE partner_id = $1",
            *_columns(partner),
        )
        return bool(status != "UPDATE 0")

    async def get(self, partner_id: UUID, *, for_update: bool = False) -> Partner | None:
        """The entry; ``for_update`` locks it against a parallel replacement (NO KEY UPDATE, the
        lock an UPDATE takes anyway: it does not block the foreign-key checks of new consents
        and referrals, which would otherwise deadlock with the case locks taken after it)."""
        lock = " FOR NO KEY UPDATE" if for_update else ""
        row = await self.conn.fetchrow(
            f"SELECT * FROM partners WHERE partner_id = $1{lock}",  # noqa: S608
            partner_id,
        )
        return None if row is None else _partner(row)

    async def list_all(self) -> list[Partner]:
        """Every entry, by name then id."""
        rows = await self.conn.fetch("SELECT * FROM partners ORDER BY name, partner_id")
        return [_partner(row) for row in rows]


class PgPartnerChanges(PgRepository):
    """`ports.PartnerChangeLog` on ``partner_changes`` (append-only by trigger)."""

    async def add(self, change: PartnerChange) -> None:
        """Append one change (before/after as JSON)."""
        await self.conn.execute(
            "INSERT INTO partner_changes (partner_id, changed_by, changed_at, reason,"
            " changed_fields, before, after) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)",
            change.partner_id,
            change.changed_by,
            change.changed_at,
            change.reason,
            change.changed_fields,
            None if change.before is None else json.dumps(change.before),
            json.dumps(change.after),
        )

    async def of_partner(self, partner_id: UUID) -> list[Record]:
        """One partner's changes, oldest first."""
        rows = await self.conn.fetch(
            "SELECT * FROM partner_changes WHERE partner_id = $1 ORDER BY id", partner_id
        )
        return [_change(row) for row in rows]

    async def after(self, after_id: int, limit: int) -> list[Record]:
        """Every partner's changes with an id above ``after_id``, oldest first."""
        rows = await self.conn.fetch(
            "SELECT * FROM partner_changes WHERE id > $1 ORDER BY id LIMIT $2", after_id, limit
        )
        return [_change(row) for row in rows]


def _columns(partner: Partner) -> tuple[Any, ...]:
    return (
        partner.partner_id,
        partner.name,
        partner.partner_type.value,
        list(partner.countries),
        list(partner.services),
        sorted(p.value for p in partner.purposes),
        partner.agreement_reference,
        partner.agreement_valid_from,
        partner.agreement_valid_until,
        partner.active,
        partner.ever_origin_authority,
        partner.description,
    )


def _partner(row: asyncpg.Record) -> Partner:
    return Partner(
        partner_id=row["partner_id"],
        name=row["name"],
        partner_type=PartnerType(row["partner_type"]),
        countries=tuple(row["countries"]),
        services=tuple(row["services"]),
        purposes=frozenset(Purpose(p) for p in row["purposes"]),
        agreement_reference=row["agreement_reference"],
        agreement_valid_from=row["agreement_valid_from"],
        agreement_valid_until=row["agreement_valid_until"],
        active=row["active"],
        ever_origin_authority=row["ever_origin_authority"],
        description=row["description"],
    )


def _change(row: asyncpg.Record) -> Record:
    record = dict(row)
    record["before"] = None if row["before"] is None else json.loads(row["before"])
    record["after"] = json.loads(row["after"])
    return record
