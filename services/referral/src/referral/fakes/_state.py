"""The state every fake repository shares (one object; a rollback restores it in place)."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from referral.domain.model import CaseView, Partner
from referral.repository.command_receipts import CommandReceipt
from referral.repository.ports import (
    Disclosure,
    Record,
)


@dataclass
class State:
    """Everything the fakes hold; ``inbox``: envelope ids the consumer applied."""

    partners: dict[UUID, Partner] = field(default_factory=dict)
    changes: list[Record] = field(default_factory=list)
    cases: dict[UUID, CaseView] = field(default_factory=dict)
    inbox: set[UUID] = field(default_factory=set)
    consents: dict[UUID, Record] = field(default_factory=dict)
    referrals: dict[UUID, Record] = field(default_factory=dict)
    disclosures: dict[UUID, Disclosure] = field(default_factory=dict)
    case_keys: dict[UUID, tuple[bytes, int] | None] = field(default_factory=dict)
    command_receipts: list[CommandReceipt] = field(default_factory=list)
    sequence: int = 0
    transaction: int = 0
    """The open unit of work's number: PostgreSQL's ``now()`` (one value per transaction)."""

    def next(self) -> int:
        """An increasing number (creation order, like ``created_at`` and ``bigserial``)."""
        self.sequence += 1
        return self.sequence


class _Fake:
    def __init__(self, state: State) -> None:
        self._state = state  # read on every call: a rollback restores the same object
