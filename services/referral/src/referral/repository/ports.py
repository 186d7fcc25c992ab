"""What handlers may ask of referral's storage: one Protocol per aggregate.

Two implementations keep each of them: PostgreSQL (the modules beside this one) and memory
(`referral.fakes`). One test suite (``tests/unit/test_repository_contract.py``) runs on both,
so the fakes stay honest. Every method runs inside the caller's unit of work; none commits.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from hub_contracts import Decision, ProcedureStage, Purpose
from hub_runtime.errors import ConflictError

from referral.domain.model import CaseView, Consent, Partner, Referral, Status

Record = dict[str, Any]
"""A row as the read models see it (column -> value)."""


class OpenReferralExistsError(Exception):
    """The one-open-referral guard refused a second open referral for one case, partner and
    purpose (PostgreSQL: the unique index ``referrals_one_open``, migration 0010);
    ``existing`` is the open one (``None`` if it closed in between)."""

    def __init__(self, existing: UUID | None) -> None:
        super().__init__("an open referral exists for this case, partner and purpose")
        self.existing = existing


def added_concurrently() -> ConflictError:
    """A new partner id was added by another request in the meantime (both implementations
    raise it from ``PartnerRepository.add``): 409, the client sends its request again."""
    return ConflictError(
        "an entry with this id was added by another request at the same moment; send the"
        " request again (it will update that entry)",
        code="partner_added_concurrently",
    )


@dataclass(frozen=True)
class PartnerChange:
    """One audited change of a partner's type or standing (append-only)."""

    partner_id: UUID
    changed_by: str
    changed_at: datetime
    reason: str
    changed_fields: list[str]
    before: dict[str, Any] | None
    after: dict[str, Any]


@dataclass(frozen=True)
class Review:
    """A coordinator's review; the written reason only as the vault's ciphertext."""

    referral_id: UUID
    decision: str
    overridden: list[str]
    reason_sealed: bytes
    reviewed_by: str
    at: datetime


@dataclass(frozen=True)
class Disclosure:
    """A disclosure to a partner, as the gateway announced it (``DisclosureMade``)."""

    event_id: UUID
    case_id: UUID
    referral_id: UUID
    partner_id: UUID
    consent_id: UUID
    data_categories: list[str]
    legal_basis: str
    disclosed_at: datetime


class PartnerRepository(Protocol):
    """The partner directory."""

    async def add(self, partner: Partner) -> None:
        """Add an entry (``ever_origin_authority`` is set for ``authority_origin``); raises
        `ConflictError` ``partner_added_concurrently`` (:func:`added_concurrently`) for an id
        already there."""
        ...

    async def replace(self, partner: Partner) -> bool:
        """Replace the entry; False when unknown. ``ever_origin_authority`` is only OR-ed in."""
        ...

    async def get(self, partner_id: UUID, *, for_update: bool = False) -> Partner | None:
        """The entry; ``for_update`` locks it against a parallel replacement."""
        ...

    async def list_all(self) -> list[Partner]:
        """Every entry, by name then id."""
        ...


class PartnerChangeLog(Protocol):
    """The audit of partners' changes of type or standing (append-only)."""

    async def add(self, change: PartnerChange) -> None:
        """Append one change."""
        ...

    async def of_partner(self, partner_id: UUID) -> list[Record]:
        """One partner's changes, oldest first (``id`` increasing)."""
        ...

    async def after(self, after_id: int, limit: int) -> list[Record]:
        """Every partner's changes with an ``id`` above ``after_id``, at most ``limit``."""
        ...


class CaseViewRepository(Protocol):
    """Referral's view of casefile's cases (from its events) and the per-case lock."""

    async def lock(self, case_id: UUID) -> None:
        """Serialise every change to one case's consents and referrals until the unit of work
        ends (two overlapping consents, or an approval racing a withdrawal, cannot slip in)."""
        ...

    async def add(self, case: CaseView) -> bool:
        """Record a newly opened case; False when the view already has it."""
        ...

    async def add_many(self, cases: Sequence[CaseView]) -> list[bool]:
        """`add` for each case in list order (one bool each; a later duplicate is False)."""
        ...

    async def get(self, case_id: UUID) -> CaseView | None:
        """The case as the view knows it."""
        ...

    async def set_stage(self, case_id: UUID, stage: ProcedureStage) -> bool:
        """False when the view never saw the case."""
        ...

    async def set_decision(self, case_id: UUID, decision: Decision) -> bool:
        """False when the view never saw the case."""
        ...

    async def set_decisions(self, decisions: Mapping[UUID, Decision]) -> set[UUID]:
        """`set_decision` for each case: the ids of the known cases (the others unchanged)."""
        ...

    async def mark_closed(self, case_id: UUID, closed_on: date) -> bool:
        """Remember the closure (the first day counts); False when unknown."""
        ...

    async def mark_erased(self, case_id: UUID, erased_at: datetime) -> bool:
        """Remember the erasure, forget the vulnerabilities; False when unknown."""
        ...

    async def has_applied(self, event_id: UUID) -> bool:
        """Whether the consumer has applied the event with this envelope id (its inbox row
        commits with the event's effect)."""
        ...


class ConsentRepository(Protocol):
    """Consents with their evidence (references only sealed)."""

    async def add(
        self, consent: Consent, evidence: dict[str, Any], created_by: str, *, sealed: bytes
    ) -> None:
        """Record a consent; form and interpreter references only in ``sealed``."""
        ...

    async def get(self, consent_id: UUID) -> Consent | None:
        """The consent, or None."""
        ...

    async def of_case(self, case_id: UUID) -> list[Consent]:
        """Every consent of the case (any order)."""
        ...

    async def mark_withdrawn(self, consent_id: UUID, at: datetime, by: str) -> bool:
        """False when it was withdrawn before (a withdrawal happens once)."""
        ...

    async def record(self, consent_id: UUID) -> Record | None:
        """The stored row with its evidence (``evidence_sealed`` still sealed), for reading."""
        ...

    async def records(self, case_id: UUID) -> list[Record]:
        """The case's rows, oldest first."""
        ...


class ReferralRepository(Protocol):
    """Referrals, their status history and reviews."""

    async def add(self, referral: Referral, requested_by: str, at: datetime) -> None:
        """Record a new referral and its first history entry; raises
        `OpenReferralExistsError` when another one of the case, partner and purpose is open."""
        ...

    async def get(self, referral_id: UUID, *, for_update: bool = False) -> Referral | None:
        """The referral, or None; ``for_update`` locks it."""
        ...

    async def open_of_case(self, case_id: UUID, statuses: Collection[Status]) -> list[Referral]:
        """The case's referrals in ``statuses``, locked, by referral id."""
        ...

    async def open_for(
        self, case_id: UUID, partner_id: UUID, purpose: Purpose, statuses: Collection[Status]
    ) -> UUID | None:
        """The first (oldest) referral of the case to the partner for the purpose in
        ``statuses``."""
        ...

    async def cases_with_referrals_to(
        self, partner_id: UUID, statuses: Collection[Status]
    ) -> list[UUID]:
        """Cases with a referral to the partner in ``statuses``, by case id."""
        ...

    async def cases_with_lapsed_inputs(
        self, today: date, statuses: Collection[Status], after: UUID | None, limit: int
    ) -> list[UUID]:
        """Cases (ids above ``after``, in order, at most ``limit``) with a referral in
        ``statuses`` whose consent ended before ``today``, or, once past review, whose
        partner's agreement did (or that has none)."""
        ...

    async def set_status(
        self,
        referral: Referral,
        target: Status,
        at: datetime,
        *,
        reason_code: str | None = None,
        reasons: list[str] | None = None,
        consent_id: UUID | None = None,
    ) -> bool:
        """Move from the status ``referral`` was read with to ``target`` (history entry too);
        False when somebody moved it first. Suspending remembers the status it had, leaving it
        forgets it and restarts the answer time (``resumed_at``); approving sets
        ``approved_at`` unless it comes back from a suspension."""
        ...

    async def unanswered_since(self, before: datetime, limit: int) -> list[Referral]:
        """Approved or delivered referrals approved (or resumed) before ``before``, oldest
        approval first, locked, skipping rows another transaction holds."""
        ...

    async def add_review(self, review: Review) -> None:
        """Record a coordinator's review."""
        ...

    async def record(self, referral_id: UUID) -> Record | None:
        """The row with ``history`` (list of transitions) and ``review`` (or None)."""
        ...

    async def records(self, case_id: UUID) -> list[Record]:
        """The case's referrals as `record`, by request time then id."""
        ...


class DisclosureRepository(Protocol):
    """The log of disclosures to partners (from the gateway's events)."""

    async def add(self, disclosure: Disclosure) -> None:
        """Record it once per event id (a repeat changes nothing)."""
        ...

    async def of_case(self, case_id: UUID) -> list[Record]:
        """The case's disclosures, oldest first, with the recipient's ``partner_name``,
        ``partner_type`` and ``partner_countries`` (None when it left the directory)."""
        ...


class CaseKeyRepository(Protocol):
    """Referral's per-case data keys, wrapped; a shredded key leaves a tombstone."""

    async def get(self, case_id: UUID) -> tuple[bool, bytes | None, int | None]:
        """(a row exists, the wrapped key, its KEK version): (True, None, None) is shredded."""
        ...

    async def to_rewrap(self, current: int, limit: int) -> dict[UUID, tuple[bytes, int]]:
        """Live keys under another KEK version than ``current``, locked (rotation)."""
        ...

    async def rewrap(
        self, case_id: UUID, old_version: int, wrapped_key: bytes, version: int
    ) -> bool:
        """Replace a key under ``old_version`` by its re-wrapping; never a shredded one."""
        ...

    async def count_by_version(self) -> dict[int, int]:
        """Live keys by KEK version."""
        ...

    async def add(self, case_id: UUID, wrapped_key: bytes, kek_version: int) -> None:
        """Store a new wrapped key unless the case has a key or a tombstone already."""
        ...

    async def shred(self, case_id: UUID, at: datetime) -> None:
        """Destroy the key for good, leaving a tombstone (idempotent)."""
        ...
