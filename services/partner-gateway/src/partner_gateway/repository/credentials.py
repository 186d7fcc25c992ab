"""SQL of partners' API clients and their secrets (scrypt hashes only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from hub_runtime.db import Connection

from partner_gateway.repository.partners import partner_of
from partner_gateway.repository.protocols import Admission, ClientSecret


class CredentialRepository:
    """`protocols.CredentialStore` on PostgreSQL (``partner_clients``, ``client_secrets``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def add_client(self, client_id: str, partner_id: UUID) -> None:
        await self.conn.execute(
            "INSERT INTO partner_clients (client_id, partner_id) VALUES ($1, $2)",
            client_id,
            partner_id,
        )

    async def client(self, client_id: str) -> tuple[UUID, datetime | None] | None:
        row = await self.conn.fetchrow(
            "SELECT partner_id, revoked_at FROM partner_clients WHERE client_id = $1", client_id
        )
        return None if row is None else (row["partner_id"], row["revoked_at"])

    async def add_secret(self, secret_id: UUID, client_id: str, salt: bytes, hashed: bytes) -> None:
        await self.conn.execute(
            "INSERT INTO client_secrets (secret_id, client_id, salt, hash) VALUES ($1, $2, $3, $4)",
            secret_id,
            client_id,
            salt,
            hashed,
        )

    async def expire_current(self, client_id: str, until: datetime) -> None:
        """Give the current secret(s) an end: the overlap of a rotation, or now (revocation)."""
        await self.conn.execute(
            "UPDATE client_secrets SET valid_until = $2 WHERE client_id = $1"
            " AND (valid_until IS NULL OR valid_until > $2)",
            client_id,
            until,
        )

    async def valid_secrets(self, client_id: str) -> list[ClientSecret]:
        rows = await self.conn.fetch(
            "SELECT s.secret_id, s.salt, s.hash FROM client_secrets s"
            " JOIN partner_clients c ON c.client_id = s.client_id"
            " WHERE s.client_id = $1 AND c.revoked_at IS NULL"
            " AND (s.valid_until IS NULL OR s.valid_until > now()) ORDER BY s.created_at DESC",
            client_id,
        )
        return [ClientSecret(r["secret_id"], r["salt"], r["hash"]) for r in rows]

    async def revoke_client(self, client_id: str) -> bool:
        done = await self.conn.fetchval(
            "UPDATE partner_clients SET revoked_at = COALESCE(revoked_at, now())"
            " WHERE client_id = $1 RETURNING true",
            client_id,
        )
        await self.expire_current(client_id, datetime.now(UTC))
        return bool(done)

    async def clients_of(self, partner_id: UUID) -> list[dict[str, Any]]:
        rows = await self.conn.fetch(
            "SELECT c.client_id, c.created_at, c.revoked_at,"
            " count(s.secret_id) FILTER (WHERE s.valid_until IS NULL OR s.valid_until > now())"
            " AS valid_secrets FROM partner_clients c"
            " LEFT JOIN client_secrets s ON s.client_id = c.client_id"
            " WHERE c.partner_id = $1 GROUP BY c.client_id ORDER BY c.created_at",
            partner_id,
        )
        return [dict(r) for r in rows]

    async def admission(self, partner_id: UUID, client_id: str) -> Admission:
        """One statement on every partner request (`handlers.credentials.admit_partner`):
        always one row, the partner's columns NULL when the directory holds none."""
        row = await self.conn.fetchrow(
            "SELECT p.*, EXISTS (SELECT 1 FROM partner_clients WHERE client_id = $2"
            " AND revoked_at IS NOT NULL) AS client_revoked"
            " FROM (VALUES (1)) AS one LEFT JOIN partners p ON p.partner_id = $1",
            partner_id,
            client_id,
        )
        assert row is not None  # the VALUES side always yields one row
        partner = None if row["partner_id"] is None else partner_of(row)
        return Admission(partner, bool(row["client_revoked"]))
