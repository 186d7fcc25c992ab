"""In-memory stand-ins for signals' storage, for unit tests of handlers through the bus.

`FakeSignalsUnitOfWork` keeps the Protocols of `signals.repository.protocols` over one
`SignalsState`; it commits and rolls back like PostgreSQL (`hub_runtime.fakes`). They stay
honest because ``tests/unit/test_repository_contract.py`` runs the same suite against them and
against PostgreSQL.

What they do not model: locks (`lock_people`, `lock_period`, `ledger.lock` only read; unit
tests run one transaction at a time), the migration's rules that make a stored release
immutable to UPDATE/DELETE (the fakes have no such statements to refuse), and PostgreSQL's
refusal of a second ledger row for the same period and table (handlers never write one: the
`BudgetLedger` refuses it first).
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from hub_contracts import EventPayload
from hub_contracts.envelope import Envelope
from hub_runtime.bus import MessageBus, bind_batch, bind_events
from hub_runtime.fakes import InMemoryUnitOfWork

from signals.deps import Deps
from signals.repository.protocols import (
    Cell,
    ConsentRow,
    ContributionCount,
    ContributionRow,
    PersonKey,
    PublishedPeriod,
    Release,
    ReleaseExistsError,
)
from signals.repository.staff import (
    AccountExistsError,
    ProviderSignIn,
    StaffAccount,
    StaffSession,
)
from signals.routes import ROUTES
from signals.unit_of_work import SignalsUnitOfWork

ContributionKey = tuple[str, str, str, str]
"""(period, table name, cell key, person token): the primary key of a contribution."""


@dataclass
class SignalsState:
    """Every table of signals, in memory.

    ``contributions``: key -> coordinates (JSON text, as stored); ``consents``: (period,
    person token, consent token); ``referral_facts``: referral token -> (approved at, partner
    type); ``releases``: period -> table -> payload (JSON text); ``published_at``: period ->
    when; ``ledger``: (period, table) -> epsilon."""

    contributions: dict[ContributionKey, str] = field(default_factory=dict)
    consents: set[ConsentRow] = field(default_factory=set)
    referral_facts: dict[str, tuple[datetime, str]] = field(default_factory=dict)
    releases: dict[str, dict[str, str]] = field(default_factory=dict)
    published_at: dict[str, datetime] = field(default_factory=dict)
    ledger: dict[tuple[str, str], float] = field(default_factory=dict)
    accounts: dict[UUID, StaffAccount] = field(default_factory=dict)
    sessions: dict[str, StaffSession] = field(default_factory=dict)
    failures: list[tuple[str, datetime]] = field(default_factory=list)
    provider_sign_ins: dict[str, ProviderSignIn] = field(default_factory=dict)


class FakeContributions:
    """`ContributionRepository` in memory."""

    def __init__(self, state: SignalsState) -> None:
        self._s = state

    async def lock_people(self, people: Sequence[PersonKey]) -> None:
        """Nothing to lock: one transaction at a time."""

    async def cells_of_people(self, people: Sequence[PersonKey]) -> dict[PersonKey, set[Cell]]:
        """See `ContributionRepository.cells_of_people`."""
        cells: dict[PersonKey, set[Cell]] = {key: set() for key in people}
        for period, table, cell_key, token in self._s.contributions:
            if (period, token) in cells:
                cells[(period, token)].add((table, cell_key))
        return cells

    async def add(self, rows: Sequence[ContributionRow]) -> None:
        """See `ContributionRepository.add` (a stored row is left as it is)."""
        for period, token, c in rows:
            self._s.contributions.setdefault(
                (period, c.table, c.cell_key, token), c.coordinates_json
            )

    async def forget_person(self, period: str, token: str) -> None:
        """See `ContributionRepository.forget_person`."""
        for key in [k for k in self._s.contributions if k[0] == period and k[3] == token]:
            del self._s.contributions[key]

    async def unpublished_periods(self) -> list[str]:
        """See `ContributionRepository.unpublished_periods`."""
        periods = {period for period, _, _, _ in self._s.contributions}
        return sorted(periods - self._s.published_at.keys())

    async def summary(self) -> list[ContributionCount]:
        """See `ContributionRepository.summary`."""
        counts: dict[tuple[str, str], int] = {}
        for period, table, _, _ in self._s.contributions:
            counts[(period, table)] = counts.get((period, table), 0) + 1
        return [
            ContributionCount(period=p, table_name=t, contributions=n)
            for (p, t), n in sorted(counts.items())
        ]

    async def cell_counts(
        self, period: str, table: str, dimensions: Sequence[str], *, require_consent: bool
    ) -> dict[tuple[str, ...], int]:
        """See `ContributionRepository.cell_counts`."""
        consenting = {token for p, token, _ in self._s.consents if p == period}
        persons: dict[tuple[str, ...], set[str]] = {}
        for (p, t, _, token), coordinates in self._s.contributions.items():
            if p != period or t != table or (require_consent and token not in consenting):
                continue
            values: dict[str, str] = json.loads(coordinates)
            persons.setdefault(tuple(values[d] for d in dimensions), set()).add(token)
        return {key: len(tokens) for key, tokens in persons.items()}


class FakeReportingConsents:
    """`ReportingConsentRepository` in memory."""

    def __init__(self, state: SignalsState) -> None:
        self._s = state

    async def add(self, rows: Sequence[ConsentRow]) -> None:
        """See `ReportingConsentRepository.add`."""
        self._s.consents.update(rows)

    async def withdraw(self, consent_token: str, from_period: str) -> None:
        """See `ReportingConsentRepository.withdraw`."""
        self._s.consents = {
            row
            for row in self._s.consents
            if not (row[2] == consent_token and row[0] >= from_period)
        }

    async def forget_person(self, period: str, token: str) -> None:
        """See `ReportingConsentRepository.forget_person`."""
        self._s.consents = {r for r in self._s.consents if (r[0], r[1]) != (period, token)}


class FakeReferralFacts:
    """`ReferralFactRepository` in memory."""

    def __init__(self, state: SignalsState) -> None:
        self._s = state

    async def save(self, referral_token: str, approved_at: datetime, partner_type: str) -> None:
        """See `ReferralFactRepository.save` (the first approval is kept)."""
        self._s.referral_facts.setdefault(referral_token, (approved_at, partner_type))

    async def get(self, referral_token: str) -> tuple[datetime, str] | None:
        """See `ReferralFactRepository.get`."""
        return self._s.referral_facts.get(referral_token)


class FakeReleases:
    """`ReleaseRepository` in memory (payloads kept as JSON text, as PostgreSQL keeps them)."""

    def __init__(self, state: SignalsState) -> None:
        self._s = state

    async def lock_period(self, period: str) -> None:
        """Nothing to lock: one transaction at a time."""

    async def get(self, period: str) -> Release:
        """See `ReleaseRepository.get`."""
        tables = self._s.releases.get(period, {})
        return {name: json.loads(payload) for name, payload in tables.items()}

    async def save(self, period: str, tables: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """See `ReleaseRepository.save`."""
        if period in self._s.published_at:
            raise ReleaseExistsError(f"the period {period} has a release already")
        self._s.releases[period] = {name: json.dumps(payload) for name, payload in tables}
        self._s.published_at[period] = datetime.now(UTC)

    async def published_periods(self) -> list[PublishedPeriod]:
        """See `ReleaseRepository.published_periods`."""
        return [
            PublishedPeriod(period, self._s.published_at[period], sorted(tables))
            for period, tables in sorted(self._s.releases.items())
            if tables
        ]


class FakePrivacyLedger:
    """`PrivacyLedgerRepository` in memory."""

    def __init__(self, state: SignalsState) -> None:
        self._s = state

    async def lock(self, period: str) -> dict[str, float]:
        """See `PrivacyLedgerRepository.lock` (nothing to lock here)."""
        return {table: eps for (p, table), eps in self._s.ledger.items() if p == period}

    async def record_spend(self, period: str, table: str, epsilon: float) -> None:
        """See `PrivacyLedgerRepository.record_spend`."""
        self._s.ledger[(period, table)] = epsilon


class FakeStaff:
    """`StaffRepository` in memory."""

    def __init__(self, state: SignalsState) -> None:
        self._state = state

    async def add_account(self, account: StaffAccount) -> None:
        if any(a.username == account.username for a in self._state.accounts.values()):
            raise AccountExistsError("this username is taken")
        self._state.accounts[account.account_id] = account

    async def account_by_username(self, username: str) -> StaffAccount | None:
        return next((a for a in self._state.accounts.values() if a.username == username), None)

    async def account_by_id(self, account_id: UUID) -> StaffAccount | None:
        return self._state.accounts.get(account_id)

    async def failures_since(self, username_hash: str, since: datetime) -> list[datetime]:
        return [at for name, at in self._state.failures if name == username_hash and at >= since]

    async def record_failure(self, username_hash: str, at: datetime) -> None:
        self._state.failures.append((username_hash, at))

    async def clear_failures(self, username_hash: str) -> None:
        self._state.failures = [f for f in self._state.failures if f[0] != username_hash]

    async def add_session(self, session: StaffSession) -> None:
        self._state.sessions[session.token_hash] = session

    async def session(self, token_hash: str) -> StaffSession | None:
        return self._state.sessions.get(token_hash)

    async def touch_session(self, token_hash: str, at: datetime) -> None:
        old = self._state.sessions.get(token_hash)
        if old is not None:
            self._state.sessions[token_hash] = replace(old, last_seen_at=at)

    async def end_session(self, token_hash: str) -> None:
        self._state.sessions.pop(token_hash, None)

    async def add_provider_sign_in(self, flow: ProviderSignIn, forget_before: datetime) -> None:
        flows = self._state.provider_sign_ins
        for old in [h for h, f in flows.items() if f.created_at < forget_before]:
            del flows[old]
        flows[flow.flow_hash] = flow

    async def take_provider_sign_in(self, flow_hash: str) -> ProviderSignIn | None:
        return self._state.provider_sign_ins.pop(flow_hash, None)


class FakeSignalsUnitOfWork(InMemoryUnitOfWork[SignalsState]):
    """`signals.unit_of_work.SignalsUnitOfWork` in memory: repositories over one state."""

    def __init__(self, state: SignalsState, outbox: list[Envelope]) -> None:
        super().__init__(state, outbox, source="signals")
        self.contributions = FakeContributions(state)
        self.consents = FakeReportingConsents(state)
        self.referral_facts = FakeReferralFacts(state)
        self.releases = FakeReleases(state)
        self.ledger = FakePrivacyLedger(state)
        self.staff = FakeStaff(state)


@dataclass
class FakeSignals:
    """A whole signals without a stack: its state, its outbox, and a bus over them.

    ``FakeSignals(Deps(settings, clock=...)).bus`` runs every route of `signals.routes.ROUTES`
    on the fakes; ``outbox`` holds the envelopes of committed units of work."""

    deps: Deps
    state: SignalsState = field(default_factory=SignalsState)
    outbox: list[Envelope] = field(default_factory=list)

    def unit_of_work(self) -> FakeSignalsUnitOfWork:
        """A new unit of work on this state (open it with ``async with``)."""
        return FakeSignalsUnitOfWork(self.state, self.outbox)

    @property
    def bus(self) -> MessageBus[SignalsUnitOfWork, Deps]:
        """The service's bus, as the HTTP edge and the publisher use it, on the fakes."""
        factory: Callable[[], SignalsUnitOfWork] = self.unit_of_work
        return MessageBus(ROUTES, factory, self.deps)

    async def deliver(self, envelope: Envelope, payload: EventPayload) -> None:
        """Apply one event through its event route and commit, as the consumer's slow path
        does (a refusal raises, and nothing of the event stays)."""
        handler = bind_events(ROUTES, self.deps)[envelope.type]
        async with self.unit_of_work() as uow:
            await handler(uow, envelope, payload)
            await uow.commit()

    async def deliver_batch(self, items: Sequence[tuple[Envelope, EventPayload]]) -> None:
        """Apply events through the batch route in one unit of work and commit, as the
        consumer's fast path does."""
        batch = bind_batch(ROUTES, self.deps)
        assert batch is not None, "signals' route table has a batch route"
        async with self.unit_of_work() as uow:
            await batch(uow, items)
            await uow.commit()
