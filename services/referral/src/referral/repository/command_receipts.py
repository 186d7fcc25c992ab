"""SQL of command receipts: who asked for each command applied from the Kafka command topic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from referral.repository._base import PgRepository


@dataclass(frozen=True)
class CommandReceipt:
    """One applied command: ``command_id`` its envelope id, ``staff_login``/``staff_role`` the
    staff member the tool asserts, ``tool`` the tool's name (from the envelope's source),
    ``kafka_principal`` the principal allowed to write the topic (``User:tools``);
    ``applied_at`` None until stored (the transaction's time)."""

    command_id: UUID
    command_type: str
    case_id: UUID
    staff_login: str
    staff_role: str
    tool: str
    kafka_principal: str
    applied_at: datetime | None = None


class CommandReceiptLog(Protocol):
    """`PgCommandReceipts` (and the fake): append in the applying transaction, read by case."""

    async def record(self, receipt: CommandReceipt) -> None:
        """Store the receipt (a command id already stored is left as it is: a replay)."""
        ...

    async def of_case(self, case_id: UUID) -> list[CommandReceipt]:
        """The case's receipts, oldest first."""
        ...


class PgCommandReceipts(PgRepository):
    """`CommandReceiptLog` on PostgreSQL (table ``command_receipts``)."""

    async def record(self, receipt: CommandReceipt) -> None:
        await self.conn.execute(
            "INSERT INTO command_receipts (command_id, command_type, case_id, staff_login,"
            " staff_role, tool, kafka_principal) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (command_id) DO NOTHING",
            receipt.command_id,
            receipt.command_type,
            receipt.case_id,
            receipt.staff_login,
            receipt.staff_role,
            receipt.tool,
            receipt.kafka_principal,
        )

    async def of_case(self, case_id: UUID) -> list[CommandReceipt]:
        rows = await self.conn.fetch(
            "SELECT command_id, command_type, case_id, staff_login, staff_role, tool,"
            " kafka_principal, applied_at FROM command_receipts WHERE case_id = $1"
            " ORDER BY applied_at, command_id",
            case_id,
        )
        return [CommandReceipt(**dict(row)) for row in rows]
