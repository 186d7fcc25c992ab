"""What handlers may ask of the gateway's storage: one Protocol per repository.

The PostgreSQL repositories of this package and the in-memory ones of `partner_gateway.fakes`
both keep these; ``tests/unit/test_repository_contract.py`` runs one suite against both, so
the fakes stay honest. Rows are the domain's values (`partner_gateway.domain.model`) or the
small records below; listings for the admin API are plain JSON-able dicts. Times are aware
UTC datetimes, days are the council's calendar days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from hub_contracts import DataCategory, PartnerType, ProcedureStage, Purpose, ReferralStatus

from partner_gateway.domain.model import CaseView, ConsentView, GateFacts, PartnerView, Referral
from partner_gateway.domain.notifications import NotificationKind


@dataclass(frozen=True)
class InboxEntry:
    """One notification of a partner's pull inbox: ``seq`` is its cursor, ``body`` the JSON
    text that is also signed and sent as a webhook."""

    seq: int
    body: str
    kind: str
    referral_id: UUID | None


@dataclass(frozen=True)
class ClientSecret:
    """One stored client secret: scrypt ``hash`` of the secret with its ``salt``."""

    secret_id: UUID
    salt: bytes
    hash: bytes


@dataclass(frozen=True)
class Admission:
    """What admitting a partner request is judged on: the directory's entry of the token's
    ``partner`` (None when it holds none) and whether the token's client is revoked."""

    partner: PartnerView | None
    client_revoked: bool


@dataclass(frozen=True)
class Notice:
    """A notice as the partner's acknowledgement sees it."""

    notice_id: UUID
    case_id: UUID
    partner_id: UUID
    referral_id: UUID
    kind: str
    acknowledged_at: datetime | None


class PartnerStore(Protocol):
    """The partner directory as the gateway keeps it (from ``PartnerRegistered``)."""

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
        """Store the directory's entry. ``origin_authority`` only ever sets the permanent
        ``ever_origin_authority`` flag: no later entry lifts it."""
        ...

    async def get(self, partner_id: UUID) -> PartnerView | None:
        """The partner, or None when the directory never announced it."""
        ...

    async def set_webhook(
        self,
        partner_id: UUID,
        url: str,
        secret: str,
        previous_secret: str | None,
        previous_until: datetime | None,
    ) -> None:
        """Set the endpoint and current signing secret (closing the circuit breaker). The
        replaced secret signs on until ``previous_until``; a secret retired earlier keeps the
        later of its promised ends; secrets past their end are forgotten."""
        ...

    async def current_secret(self, partner_id: UUID) -> str | None:
        """The current signing secret (``whsec_...``), or None without a webhook."""
        ...

    async def retired_secrets(self, partner_id: UUID) -> list[str]:
        """Retired secrets still within their promised end, the longest-lived first."""
        ...

    async def remove_webhook(self, partner_id: UUID) -> None:
        """No endpoint and no secret any more (every retired secret forgotten too)."""
        ...

    async def breaker_states(self) -> list[dict[str, Any]]:
        """``partner_id``, ``consecutive_failures``, ``breaker_open_until`` of every partner
        with a webhook, by partner id."""
        ...


class CredentialStore(Protocol):
    """Partners' API clients and their secrets (scrypt hashes, never the secret)."""

    async def add_client(self, client_id: str, partner_id: UUID) -> None:
        """A new client of ``partner_id``."""
        ...

    async def client(self, client_id: str) -> tuple[UUID, datetime | None] | None:
        """(partner id, revoked at) of the client, or None when unknown."""
        ...

    async def add_secret(self, secret_id: UUID, client_id: str, salt: bytes, hashed: bytes) -> None:
        """A new secret of the client, valid until an end is set."""
        ...

    async def expire_current(self, client_id: str, until: datetime) -> None:
        """Give every secret of the client that would outlive ``until`` that end."""
        ...

    async def valid_secrets(self, client_id: str) -> list[ClientSecret]:
        """Secrets valid now of a client that is not revoked, the newest first."""
        ...

    async def revoke_client(self, client_id: str) -> bool:
        """Revoke the client and end its secrets now; False when the client is unknown."""
        ...

    async def admission(self, partner_id: UUID, client_id: str) -> Admission:
        """The partner's directory entry and whether client ``client_id`` exists and is
        revoked (an unknown client is not), read at once."""
        ...

    async def clients_of(self, partner_id: UUID) -> list[dict[str, Any]]:
        """``client_id``, ``created_at``, ``revoked_at``, ``valid_secrets`` (a count) of the
        partner's clients, the oldest first."""
        ...


class ConsentStore(Protocol):
    """Consents as referral announced them (``ConsentGranted`` / ``ConsentWithdrawn``)."""

    async def grant(
        self,
        consent_id: UUID,
        case_id: UUID,
        partner_id: UUID,
        purposes: Sequence[Purpose],
        data_categories: Sequence[DataCategory],
        valid_from: date,
        valid_until: date,
    ) -> None:
        """Store a grant once (a replay changes nothing); a withdrawal that arrived before it
        applies to it at once."""
        ...

    async def withdraw(self, consent_id: UUID, withdrawn_at: datetime) -> bool:
        """Record the withdrawal (also before the grant); False when recorded before."""
        ...

    async def is_withdrawn(self, consent_id: UUID) -> bool:
        """Whether a withdrawal was recorded, whether or not the grant has arrived."""
        ...

    async def get(self, consent_id: UUID) -> ConsentView | None:
        """The consent, or None before its grant has arrived."""
        ...


class ErasureStore(Protocol):
    """Persons erased in casefile (``PersonErased``), by case id."""

    async def erase(self, case_id: UUID, erased_at: datetime) -> bool:
        """Record the erasure; False when recorded before."""
        ...


class CaseStore(Protocol):
    """The gateway's view of cases from casefile.events: stage, closure, erasure."""

    async def set_stage(self, case_id: UUID, stage: ProcedureStage) -> None:
        """The case's procedure stage now."""
        ...

    async def close(self, case_id: UUID, closed_on: date) -> None:
        """The case is closed (the first closing day is kept)."""
        ...

    async def view(self, case_id: UUID) -> CaseView:
        """What the gateway knows of the case (nothing yet: stage None, open, not erased)."""
        ...


class ReferralStore(Protocol):
    """Approved referrals and their status as the gateway follows it."""

    async def add(self, referral: Referral, status: ReferralStatus) -> bool:
        """Store an approved referral once; False when it was stored before."""
        ...

    async def get(self, referral_id: UUID) -> Referral | None:
        """The referral, or None."""
        ...

    async def get_for_partner(self, referral_id: UUID, partner_id: UUID) -> Referral | None:
        """The referral only if it is this partner's: another's is indistinguishable from none."""
        ...

    async def status_of(self, referral_id: UUID) -> ReferralStatus | None:
        """Its status (None: unknown, or approved before statuses were kept)."""
        ...

    async def gate_facts(self, referral: Referral) -> GateFacts:
        """Its partner, consent, case view and status as the views have them now, read
        together (what every gate judges on; nothing cached)."""
        ...

    async def lock_status(self, referral_id: UUID) -> ReferralStatus | None:
        """Its status, the referral locked until the transaction ends (concurrent reports
        take turns)."""
        ...

    async def set_status(self, referral_id: UUID, status: ReferralStatus) -> None:
        """Set the status (a partner's accepted report)."""
        ...

    async def move(
        self,
        referral_ids: Sequence[UUID],
        status: ReferralStatus,
        only_from: Sequence[ReferralStatus],
    ) -> list[UUID]:
        """Set ``status`` on those whose status is one of ``only_from``; the ids that moved."""
        ...

    async def suspend(self, referral_id: UUID, only_from: Sequence[ReferralStatus]) -> bool:
        """Suspend it, remembering its status; False when its status is not in ``only_from``."""
        ...

    async def resume(self, referral_id: UUID, status: ReferralStatus) -> bool:
        """From suspended back to ``status``; False when it was not suspended."""
        ...

    async def under_consent(self, consent_id: UUID) -> list[UUID]:
        """Ids of the referrals made under the consent."""
        ...

    async def of_case(self, case_id: UUID) -> list[UUID]:
        """Ids of the referrals of the case."""
        ...


class NotificationStore(Protocol):
    """Every partner's notifications: its pull inbox, in order."""

    async def add(
        self,
        notification_id: UUID,
        partner_id: UUID,
        case_id: UUID,
        kind: str,
        body: str,
        *,
        referral_id: UUID | None = None,
        notice_id: UUID | None = None,
    ) -> None:
        """Append to the partner's inbox (the next ``seq``)."""
        ...

    async def inbox(self, partner_id: UUID, after_seq: int, limit: int) -> list[InboxEntry]:
        """Up to ``limit`` entries after the cursor ``after_seq``, oldest first."""
        ...

    async def told(self, referral_ids: Sequence[UUID]) -> list[tuple[UUID, UUID, UUID]]:
        """(partner, case, referral), once each, for every partner told of these referrals: a
        ``referral.ready`` in its inbox or a disclosure made to it; by partner, then referral."""
        ...


class DeliveryStore(Protocol):
    """The webhook delivery queue and log (the worker's own queries are PostgreSQL only)."""

    async def enqueue(self, notification_id: UUID, partner_id: UUID) -> None:
        """Queue the notification's webhook (state ``pending``, due now)."""
        ...

    async def drop_pending(
        self, referral_ids: Sequence[UUID], kind: NotificationKind, reason: str
    ) -> None:
        """Never send the pending ``kind`` webhooks about these referrals (``dropped``, with
        ``reason`` as ``last_error``)."""
        ...

    async def give_up_pending(self, partner_id: UUID, reason: str) -> None:
        """Give up every pending delivery of the partner (``given_up``, ``reason``)."""
        ...

    async def log(
        self, partner_id: UUID | None, state: str | None, after_id: int, limit: int
    ) -> list[dict[str, Any]]:
        """The delivery log after id ``after_id``, filtered, oldest first: ``id``,
        ``notification_id``, ``partner_id``, ``referral_id``, ``notice_id``, ``kind``,
        ``state``, ``attempts``, ``last_status``, ``last_error``, ``next_attempt_at``,
        ``created_at``, ``finished_at``."""
        ...


class DisclosureStore(Protocol):
    """The disclosure log: the fact of each disclosure, never the data."""

    async def add(
        self,
        disclosure_id: UUID,
        referral: Referral,
        legal_basis: str,
        staff_id: UUID | None = None,
    ) -> None:
        """Log a disclosure of the referral's consented categories, now; ``staff_id``: the
        portal account that opened it (None: the partner's API client)."""
        ...

    async def log(
        self, referral_id: UUID | None, case_id: UUID | None, limit: int
    ) -> list[dict[str, Any]]:
        """Disclosures, filtered, oldest first (every column of the log)."""
        ...


class NoticeStore(Protocol):
    """Notices to partners about referrals that stop, pause or resume, and their acks."""

    async def add(
        self,
        notice_id: UUID,
        case_id: UUID,
        partner_id: UUID,
        referral_id: UUID,
        kind: str,
        due_at: datetime,
    ) -> bool:
        """Record a notice; False when the partner has this withdrawal or erasure notice for
        the referral already (nothing is recorded then and nothing should be sent)."""
        ...

    async def mark_sent(self, notice_id: UUID) -> None:
        """The notice reached the partner (the first time counts)."""
        ...

    async def get_for_partner(self, notice_id: UUID, partner_id: UUID) -> Notice | None:
        """The notice if it is this partner's (locked until the transaction ends), else None."""
        ...

    async def acknowledge(self, notice_id: UUID, at: datetime) -> None:
        """The partner acknowledged the notice at ``at``."""
        ...

    async def listing(
        self, overdue_only: bool, limit: int, partner_id: UUID | None = None
    ) -> list[dict[str, Any]]:
        """Notices (only ``partner_id``'s when given), oldest first, with ``overdue`` (not
        acknowledged by ``due_at``)."""
        ...
