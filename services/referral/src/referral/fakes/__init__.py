"""In-memory repositories and unit of work of the referral service, for unit tests.

They keep the Protocols of `referral.repository.ports` with the PostgreSQL semantics the
handlers rely on (one open referral per case, partner and purpose; status moves conditional on
the status read; the sort orders; ``ever_origin_authority`` only OR-ed in). They stay honest
while ``tests/unit/test_repository_contract.py`` passes on both. Not modelled: row locks and
advisory locks (one task at a time), SKIP LOCKED, the database's triggers beyond the OR-ed flag.
"""

from __future__ import annotations

from typing import Self

from hub_contracts.envelope import Envelope
from hub_runtime.fakes import InMemoryUnitOfWork

from referral.fakes._state import State
from referral.fakes.command_receipts import FakeCommandReceipts
from referral.fakes.directory import (
    FakeCaseKeys,
    FakeCases,
    FakeDisclosures,
    FakePartnerChanges,
    FakePartners,
)
from referral.fakes.referrals import FakeConsents, FakeReferrals


class FakeUnitOfWork(InMemoryUnitOfWork[State]):
    """`ReferralUnitOfWork` in memory: commit keeps the changes and sends the events to
    ``outbox``; leaving without a commit restores the state (`hub_runtime.fakes`)."""

    def __init__(self, state: State, outbox: list[Envelope]) -> None:
        super().__init__(state, outbox, source="referral")
        self.partners = FakePartners(state)
        self.partner_changes = FakePartnerChanges(state)
        self.cases = FakeCases(state)
        self.consents = FakeConsents(state)
        self.referrals = FakeReferrals(state)
        self.disclosures = FakeDisclosures(state)
        self.case_keys = FakeCaseKeys(state)
        self.command_receipts = FakeCommandReceipts(state)

    async def __aenter__(self) -> Self:
        """Open, numbering the transaction (rows it creates share one ``created_at``)."""
        await super().__aenter__()
        self.state.transaction = self.state.next()
        return self


__all__ = ["FakeUnitOfWork", "State"]
