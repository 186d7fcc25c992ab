"""All SQL of the referral service. Functions take a connection inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
from hub_contracts import (
    DataCategory,
    Decision,
    PartnerType,
    ProcedureStage,
    Purpose,
    Vulnerability,
)
from hub_runtime.db import Connection

from referral.domain.model import CaseView, Consent, Partner, Referral, Status

# ---------------------------------------------------------------- locking


async def lock_case(conn: Connection, case_id: UUID) -> None:
    """Serialise every change to one case's consents and referrals (until the transaction ends).

    Without it, two overlapping consents could be recorded side by side, or a referral could be
    approved under a consent that a parallel request is withdrawing.
    """
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1::uuid::text, 0))", case_id)


# ---------------------------------------------------------------- partners


async def insert_partner(conn: Connection, partner: Partner) -> None:
    """Add an entry (a trigger sets ``ever_origin_authority`` for authority_origin, migration
    0020)."""
    await conn.execute(
        "INSERT INTO partners (partner_id, name, partner_type, countries, services, purposes,"
        " agreement_reference, agreement_valid_from, agreement_valid_until, active,"
        " ever_origin_authority)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
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
    )


async def update_partner(conn: Connection, partner: Partner) -> bool:
    """Replace the entry; False when there is no such partner.

    ``ever_origin_authority`` is only ever OR-ed in: no update lifts it (and a trigger refuses a
    change of type of a flagged entry, migration 0020)."""
    status = await conn.execute(
        "UPDATE partners SET name = $2, partner_type = $3, countries = $4, services = $5,"
        " purposes = $6, agreement_reference = $7, agreement_valid_from = $8,"
        " agreement_valid_until = $9, active = $10,"
        " ever_origin_authority = ever_origin_authority OR $11, updated_at = now()"
        " WHERE partner_id = $1",
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
    )
    return status != "UPDATE 0"


async def get_partner(
    conn: Connection, partner_id: UUID, *, for_update: bool = False
) -> Partner | None:
    """The entry; ``for_update`` locks it against a parallel replacement (NO KEY UPDATE, the
    lock an UPDATE takes anyway: it does not block the foreign-key checks of new consents and
    referrals, which would otherwise deadlock with the case locks taken after it)."""
    lock = " FOR NO KEY UPDATE" if for_update else ""
    row = await conn.fetchrow(f"SELECT * FROM partners WHERE partner_id = $1{lock}", partner_id)  # noqa: S608
    return None if row is None else _partner(row)


async def list_partners(conn: Connection) -> list[Partner]:
    rows = await conn.fetch("SELECT * FROM partners ORDER BY name, partner_id")
    return [_partner(row) for row in rows]


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
    )


# ---------------------------------------------------------------- case view


async def insert_case(conn: Connection, case: CaseView) -> bool:
    """Record a newly opened case; False when the view already has it."""
    inserted = await conn.fetchval(
        "INSERT INTO case_view (case_id, stage, has_minors, vulnerabilities)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (case_id) DO NOTHING RETURNING true",
        case.case_id,
        case.stage.value,
        case.has_minors,
        sorted(v.value for v in case.vulnerabilities),
    )
    return bool(inserted)


async def set_stage(conn: Connection, case_id: UUID, stage: ProcedureStage) -> bool:
    status = await conn.execute(
        "UPDATE case_view SET stage = $2, updated_at = now() WHERE case_id = $1",
        case_id,
        stage.value,
    )
    return status != "UPDATE 0"


async def set_decision(conn: Connection, case_id: UUID, decision: Decision) -> bool:
    status = await conn.execute(
        "UPDATE case_view SET decision = $2, updated_at = now() WHERE case_id = $1",
        case_id,
        decision.value,
    )
    return status != "UPDATE 0"


async def mark_erased(conn: Connection, case_id: UUID, erased_at: datetime) -> bool:
    """Remember the erasure (keep the pseudonymous id so later events can be refused)."""
    status = await conn.execute(
        "UPDATE case_view SET erased_at = coalesce(erased_at, $2), vulnerabilities = '{}',"
        " updated_at = now() WHERE case_id = $1",
        case_id,
        erased_at,
    )
    return status != "UPDATE 0"


async def has_applied(conn: Connection, event_id: UUID) -> bool:
    """Whether the consumer has applied the event with this envelope id (its inbox row commits
    with the event's effect, so True means the effect is visible too)."""
    return bool(
        await conn.fetchval("SELECT EXISTS (SELECT 1 FROM hub_inbox WHERE event_id = $1)", event_id)
    )


async def get_case(conn: Connection, case_id: UUID) -> CaseView | None:
    row = await conn.fetchrow("SELECT * FROM case_view WHERE case_id = $1", case_id)
    if row is None:
        return None
    return CaseView(
        case_id=row["case_id"],
        stage=ProcedureStage(row["stage"]),
        has_minors=row["has_minors"],
        vulnerabilities=frozenset(Vulnerability(v) for v in row["vulnerabilities"]),
        decision=None if row["decision"] is None else Decision(row["decision"]),
        erased=row["erased_at"] is not None,
        closed=row["closed_on"] is not None,
    )


async def mark_closed(conn: Connection, case_id: UUID, closed_on: date) -> bool:
    """Remember the closure (the first day counts); False when the view never saw the case."""
    status = await conn.execute(
        "UPDATE case_view SET closed_on = coalesce(closed_on, $2), updated_at = now()"
        " WHERE case_id = $1",
        case_id,
        closed_on,
    )
    return status != "UPDATE 0"


# ---------------------------------------------------------------- consents


async def insert_consent(
    conn: Connection,
    consent: Consent,
    evidence: dict[str, Any],
    created_by: str,
    *,
    evidence_sealed: bytes,
) -> None:
    """Record a consent; its form and interpreter references only as ``evidence_sealed`` (the
    vault's ciphertext), never in plaintext: the other evidence fields are codes and flags."""
    await conn.execute(
        "INSERT INTO consents (consent_id, case_id, partner_id, purposes, data_categories,"
        " valid_from, valid_until, evidence_sealed, language, interpreter_used,"
        " taken_by, taken_at, informed_transfer_outside_eu)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        consent.consent_id,
        consent.case_id,
        consent.partner_id,
        sorted(p.value for p in consent.purposes),
        sorted(c.value for c in consent.data_categories),
        consent.valid_from,
        consent.valid_until,
        evidence_sealed,
        evidence["language"],
        evidence["interpreter_used"],
        evidence.get("taken_by") or created_by,
        evidence["taken_at"],
        evidence["informed_transfer_outside_eu"],
    )


async def get_consent(conn: Connection, consent_id: UUID) -> Consent | None:
    row = await conn.fetchrow("SELECT * FROM consents WHERE consent_id = $1", consent_id)
    return None if row is None else _consent(row)


async def consent_record(conn: Connection, consent_id: UUID) -> dict[str, Any] | None:
    """The consent with its evidence, for reading."""
    row = await conn.fetchrow("SELECT * FROM consents WHERE consent_id = $1", consent_id)
    return None if row is None else dict(row)


async def consent_records(conn: Connection, case_id: UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT * FROM consents WHERE case_id = $1 ORDER BY created_at, consent_id", case_id
    )
    return [dict(row) for row in rows]


async def consents_for_case(conn: Connection, case_id: UUID) -> list[Consent]:
    rows = await conn.fetch("SELECT * FROM consents WHERE case_id = $1", case_id)
    return [_consent(row) for row in rows]


async def mark_consent_withdrawn(conn: Connection, consent_id: UUID, at: datetime, by: str) -> bool:
    """False when it was withdrawn before (a withdrawal happens once)."""
    status = await conn.execute(
        "UPDATE consents SET withdrawn_at = $2, withdrawn_by = $3"
        " WHERE consent_id = $1 AND withdrawn_at IS NULL",
        consent_id,
        at,
        by,
    )
    return status != "UPDATE 0"


def _consent(row: asyncpg.Record) -> Consent:
    return Consent(
        consent_id=row["consent_id"],
        case_id=row["case_id"],
        partner_id=row["partner_id"],
        purposes=frozenset(Purpose(p) for p in row["purposes"]),
        data_categories=frozenset(DataCategory(c) for c in row["data_categories"]),
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        withdrawn_at=row["withdrawn_at"],
    )


# ---------------------------------------------------------------- referrals


class OpenReferralExistsError(Exception):
    """The database's unique index refused a second open referral for one case, partner and
    purpose; ``existing`` is the open one (``None`` if it closed in between)."""

    def __init__(self, existing: UUID | None) -> None:
        super().__init__("an open referral exists for this case, partner and purpose")
        self.existing = existing


OPEN_REFERRAL_INDEX = "referrals_one_open"


async def insert_referral(
    conn: Connection, referral: Referral, requested_by: str, at: datetime
) -> None:
    """Record a new referral; raises :class:`OpenReferralExistsError` when the unique index refuses
    it (only the insert is undone: it runs in a savepoint)."""
    try:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO referrals (referral_id, case_id, partner_id, purpose,"
                " data_categories, consent_id, status, requested_by, requested_at,"
                " status_changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                referral.referral_id,
                referral.case_id,
                referral.partner_id,
                referral.purpose.value,
                sorted(c.value for c in referral.data_categories),
                referral.consent_id,
                referral.status.value,
                requested_by,
                at,
            )
    except asyncpg.UniqueViolationError as error:
        if error.constraint_name != OPEN_REFERRAL_INDEX:
            raise
        existing = await conn.fetchval(
            "SELECT referral_id FROM referrals WHERE case_id = $1 AND partner_id = $2"
            " AND purpose = $3 AND duplicate_of IS NULL AND status = ANY($4::text[])",
            referral.case_id,
            referral.partner_id,
            referral.purpose.value,
            OPEN_INDEX_STATUSES,
        )
        raise OpenReferralExistsError(existing) from None
    await _history(conn, referral.referral_id, None, referral.status, None, at)


OPEN_INDEX_STATUSES: list[str] = [
    "requested",
    "awaiting_review",
    "approved",
    "delivered",
    "accepted",
    "in_progress",
    "suspended",
]
"""The statuses in the predicate of the unique index (migration 0010); a unit test checks that
they are exactly ``lifecycle.OPEN``."""


async def get_referral(
    conn: Connection, referral_id: UUID, *, for_update: bool = False
) -> Referral | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(f"SELECT * FROM referrals WHERE referral_id = $1{lock}", referral_id)  # noqa: S608
    return None if row is None else _referral(row)


async def referrals_for_case(conn: Connection, case_id: UUID) -> list[Referral]:
    rows = await conn.fetch("SELECT * FROM referrals WHERE case_id = $1 FOR UPDATE", case_id)
    return [_referral(row) for row in rows]


async def open_referrals_of_case(
    conn: Connection, case_id: UUID, statuses: Collection[Status]
) -> list[Referral]:
    """The case's referrals in ``statuses`` (the open ones), locked, in a fixed order."""
    rows = await conn.fetch(
        "SELECT * FROM referrals WHERE case_id = $1 AND status = ANY($2::text[])"
        " ORDER BY referral_id FOR UPDATE",
        case_id,
        [s.value for s in statuses],
    )
    return [_referral(row) for row in rows]


async def open_referral_for(
    conn: Connection,
    case_id: UUID,
    partner_id: UUID,
    purpose: Purpose,
    statuses: Collection[Status],
) -> UUID | None:
    """The first open referral of the case to this partner for this purpose, if any."""
    found: UUID | None = await conn.fetchval(
        "SELECT referral_id FROM referrals WHERE case_id = $1 AND partner_id = $2"
        " AND purpose = $3 AND status = ANY($4::text[]) ORDER BY requested_at, referral_id"
        " LIMIT 1",
        case_id,
        partner_id,
        purpose.value,
        [s.value for s in statuses],
    )
    return found


async def cases_with_lapsed_inputs(
    conn: Connection, today: date, statuses: Collection[Status], after: UUID | None, limit: int
) -> list[UUID]:
    """Cases (after ``after``, in id order, at most ``limit``) with an open referral whose consent
    has run out before ``today``, or, once past review, whose partner's agreement has."""
    rows = await conn.fetch(
        "SELECT DISTINCT r.case_id FROM referrals r"
        " JOIN partners p ON p.partner_id = r.partner_id"
        " LEFT JOIN consents c ON c.consent_id = r.consent_id"
        " WHERE r.status = ANY($2::text[]) AND ($3::uuid IS NULL OR r.case_id > $3)"
        " AND (c.valid_until < $1 OR (r.status <> 'awaiting_review'"
        " AND (p.agreement_valid_until IS NULL OR p.agreement_valid_until < $1)))"
        " ORDER BY r.case_id LIMIT $4",
        today,
        [s.value for s in statuses],
        after,
        limit,
    )
    return [row["case_id"] for row in rows]


async def cases_with_referrals_to(
    conn: Connection, partner_id: UUID, statuses: Collection[Status]
) -> list[UUID]:
    rows = await conn.fetch(
        "SELECT DISTINCT case_id FROM referrals WHERE partner_id = $1 AND status = ANY($2::text[])"
        " ORDER BY case_id",
        partner_id,
        [s.value for s in statuses],
    )
    return [row["case_id"] for row in rows]


async def referrals_to(
    conn: Connection, partner_id: UUID, statuses: Collection[Status]
) -> list[Referral]:
    """The partner's referrals in `statuses`, locked (lock their cases first)."""
    rows = await conn.fetch(
        "SELECT * FROM referrals WHERE partner_id = $1 AND status = ANY($2::text[])"
        " ORDER BY case_id, referral_id FOR UPDATE",
        partner_id,
        [s.value for s in statuses],
    )
    return [_referral(row) for row in rows]


async def set_status(
    conn: Connection,
    referral: Referral,
    target: Status,
    at: datetime,
    *,
    reason_code: str | None = None,
    reasons: list[str] | None = None,
    consent_id: UUID | None = None,
) -> bool:
    """Move the referral from its current status to ``target``, only if nobody moved it first.

    The ``status = current`` condition makes every transition happen exactly once, even when
    two workers or requests race for the same referral.
    """
    # Suspending remembers the status it had (to return to it); leaving it forgets it, and a
    # return restarts the partner's answer time (resumed_at).
    status = await conn.execute(
        "UPDATE referrals SET status = $3, status_changed_at = $4, status_reason = $5,"
        " reasons = coalesce($6, reasons), consent_id = coalesce($7, consent_id),"
        " approved_at = CASE WHEN $3 = 'approved' AND $2 <> 'suspended' THEN $4"
        " ELSE approved_at END,"
        " suspended_from = CASE WHEN $3 = 'suspended' THEN $2 ELSE NULL END,"
        " resumed_at = CASE WHEN $2 = 'suspended' THEN $4 ELSE resumed_at END"
        " WHERE referral_id = $1 AND status = $2",
        referral.referral_id,
        referral.status.value,
        target.value,
        at,
        reason_code,
        reasons,
        consent_id,
    )
    if status == "UPDATE 0":
        return False
    await _history(conn, referral.referral_id, referral.status, target, reason_code, at)
    return True


async def unanswered_since(conn: Connection, before: datetime, limit: int) -> list[Referral]:
    """Approved or delivered referrals approved (or resumed from a suspension) before
    ``before``; locked, skipping locked ones. Suspended ones are never among them."""
    rows = await conn.fetch(
        "SELECT * FROM referrals WHERE status IN ('approved', 'delivered')"
        " AND coalesce(resumed_at, approved_at) < $1"
        " ORDER BY approved_at LIMIT $2 FOR UPDATE SKIP LOCKED",
        before,
        limit,
    )
    return [_referral(row) for row in rows]


async def _history(
    conn: Connection,
    referral_id: UUID,
    from_status: Status | None,
    to_status: Status,
    reason_code: str | None,
    at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO referral_history (referral_id, from_status, to_status, reason_code, at)"
        " VALUES ($1, $2, $3, $4, $5)",
        referral_id,
        None if from_status is None else from_status.value,
        to_status.value,
        reason_code,
        at,
    )


def _referral(row: asyncpg.Record) -> Referral:
    return Referral(
        referral_id=row["referral_id"],
        case_id=row["case_id"],
        partner_id=row["partner_id"],
        purpose=Purpose(row["purpose"]),
        data_categories=frozenset(DataCategory(c) for c in row["data_categories"]),
        consent_id=row["consent_id"],
        status=Status(row["status"]),
        suspended_from=None if row["suspended_from"] is None else Status(row["suspended_from"]),
    )


async def referral_record(conn: Connection, referral_id: UUID) -> dict[str, Any] | None:
    """The referral with its history and review, for reading."""
    row = await conn.fetchrow("SELECT * FROM referrals WHERE referral_id = $1", referral_id)
    if row is None:
        return None
    record = dict(row)
    history = await conn.fetch(
        "SELECT from_status, to_status, reason_code, at FROM referral_history"
        " WHERE referral_id = $1 ORDER BY id",
        referral_id,
    )
    record["history"] = [dict(h) for h in history]
    review = await conn.fetchrow(
        "SELECT * FROM referral_reviews WHERE referral_id = $1", referral_id
    )
    record["review"] = None if review is None else dict(review)
    return record


async def referral_records(conn: Connection, case_id: UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT referral_id FROM referrals WHERE case_id = $1 ORDER BY requested_at, referral_id",
        case_id,
    )
    records = [await referral_record(conn, row["referral_id"]) for row in rows]
    return [r for r in records if r is not None]


async def insert_review(
    conn: Connection,
    referral_id: UUID,
    *,
    decision: str,
    overridden: list[str],
    reason_sealed: bytes,
    reviewed_by: str,
    at: datetime,
) -> None:
    """Record a review; the written reason only as the vault's ciphertext."""
    await conn.execute(
        "INSERT INTO referral_reviews (referral_id, decision, overridden_codes, reason_sealed,"
        " reviewed_by, reviewed_at) VALUES ($1, $2, $3, $4, $5, $6)",
        referral_id,
        decision,
        overridden,
        reason_sealed,
        reviewed_by,
        at,
    )


# ---------------------------------------------------------------- disclosures


async def insert_disclosure(
    conn: Connection,
    *,
    event_id: UUID,
    case_id: UUID,
    referral_id: UUID,
    partner_id: UUID,
    consent_id: UUID,
    data_categories: list[str],
    legal_basis: str,
    disclosed_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO disclosures (event_id, case_id, referral_id, partner_id, consent_id,"
        " data_categories, legal_basis, disclosed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (event_id) DO NOTHING",
        event_id,
        case_id,
        referral_id,
        partner_id,
        consent_id,
        data_categories,
        legal_basis,
        disclosed_at,
    )


async def disclosures_for_case(conn: Connection, case_id: UUID) -> list[dict[str, Any]]:
    """Every disclosure about the case, with the recipient's name and type."""
    rows = await conn.fetch(
        "SELECT d.referral_id, d.partner_id, p.name AS partner_name,"
        " p.partner_type, p.countries AS partner_countries, d.consent_id, d.data_categories,"
        " d.legal_basis, d.disclosed_at"
        " FROM disclosures d LEFT JOIN partners p ON p.partner_id = d.partner_id"
        " WHERE d.case_id = $1 ORDER BY d.disclosed_at, d.event_id",
        case_id,
    )
    return [dict(row) for row in rows]
