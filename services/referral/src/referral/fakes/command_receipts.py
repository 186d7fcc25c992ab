"""`CommandReceiptLog` in memory."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from uuid import UUID

from referral.fakes._state import State, _Fake
from referral.repository.command_receipts import CommandReceipt

_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


class FakeCommandReceipts(_Fake):
    """Receipts in ``state.command_receipts``; ``applied_at`` from the transaction number (the
    database's ``now()``, one value per transaction)."""

    def __init__(self, state: State) -> None:
        super().__init__(state)

    async def record(self, receipt: CommandReceipt) -> None:
        if any(r.command_id == receipt.command_id for r in self._state.command_receipts):
            return
        at = _EPOCH + timedelta(seconds=self._state.transaction)
        self._state.command_receipts.append(dataclasses.replace(receipt, applied_at=at))

    async def of_case(self, case_id: UUID) -> list[CommandReceipt]:
        mine = [r for r in self._state.command_receipts if r.case_id == case_id]
        return sorted(mine, key=lambda r: (r.applied_at or _EPOCH, r.command_id))
