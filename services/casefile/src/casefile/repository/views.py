"""SQL of casefile's own views of consents and partners (built from referral.events).

They hold exactly the facts the privacy policy judges by (``hub_contracts.privacy``
``ConsentFacts`` and ``PartnerFacts``), so the disclosure endpoint decides on casefile's view.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from typing import Any, cast
from uuid import UUID

import asyncpg
from hub_contracts.privacy import ConsentFacts, PartnerFacts
from hub_contracts.vocabulary import DataCategory, PartnerType, Purpose
from hub_runtime.db import Connection

Row = asyncpg.Record | Mapping[str, Any]
"""A row of ``consents`` or ``partners``, or the same columns from a join."""


@dataclass(frozen=True)
class ConsentWithdrawal:
    """A withdrawal as `PgViews.withdraw_consent` takes it (``at``: aware)."""

    consent_id: UUID
    case_id: UUID
    partner_id: UUID
    at: datetime


ConsentChange = ConsentFacts | ConsentWithdrawal
"""A change to the consent view: a grant's terms, or a withdrawal."""


class PgViews:
    """The consent and partner views in PostgreSQL (`protocols.Views`)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def upsert_consent(self, consent: ConsentFacts) -> None:
        """A re-granted consent id replaces its terms but never revives a withdrawal."""
        await self._conn.execute(_UPSERT_CONSENT, *_consent_args(consent))

    async def withdraw_consent(
        self, consent_id: UUID, case_id: UUID, partner_id: UUID, at: datetime
    ) -> None:
        """Record a withdrawal, even one that arrives before its grant (then the grant stays dead).

        The placeholder terms of a withdrawal seen first cover nothing (empty purposes/categories).
        """
        await self._conn.execute(_WITHDRAW_CONSENT, consent_id, case_id, partner_id, at)

    async def change_consents(self, changes: Sequence[ConsentChange]) -> None:
        """`upsert_consent` (a `ConsentFacts`) or `withdraw_consent` (a `ConsentWithdrawal`)
        for each change, in list order, one round trip per run of the same kind (a poll batch of
        the consumer, issue 16). Each change is its own statement, as one call after the other
        would run it: a grant and a withdrawal of one consent do not commute."""
        for kind, run in groupby(changes, key=type):
            if kind is ConsentWithdrawal:
                withdrawals = cast(list[ConsentWithdrawal], list(run))
                await self._conn.executemany(
                    _WITHDRAW_CONSENT,
                    [(w.consent_id, w.case_id, w.partner_id, w.at) for w in withdrawals],
                )
            else:
                grants = cast(list[ConsentFacts], list(run))
                await self._conn.executemany(_UPSERT_CONSENT, [_consent_args(c) for c in grants])

    async def consent(self, consent_id: UUID) -> ConsentFacts | None:
        row = await self._conn.fetchrow("SELECT * FROM consents WHERE consent_id = $1", consent_id)
        return None if row is None else _consent(row)

    async def consent_and_partner(
        self, consent_id: UUID, partner_id: UUID
    ) -> tuple[ConsentFacts | None, PartnerFacts | None]:
        """`consent` and `partner` in one query: the disclosure's re-check reads both fresh
        (nothing cached) in one round trip instead of two (issue 16)."""
        row = await self._conn.fetchrow(_CONSENT_AND_PARTNER, consent_id, partner_id)
        assert row is not None  # FROM (SELECT 1) always gives one row
        consent = None if row["c_consent_id"] is None else _consent(_strip(row, "c_", _CONSENT))
        partner = None if row["p_partner_id"] is None else _partner(_strip(row, "p_", _PARTNER))
        return consent, partner

    async def upsert_partner(self, partner: PartnerFacts) -> None:
        """Store the directory's newest facts; ``ever_origin_authority`` is never unset."""
        await self._conn.execute(_UPSERT_PARTNER, *_partner_args(partner))

    async def upsert_partners(self, partners: Sequence[PartnerFacts]) -> None:
        """`upsert_partner` for each, in list order, in one round trip (the consumer's batch)."""
        if partners:
            await self._conn.executemany(_UPSERT_PARTNER, [_partner_args(p) for p in partners])

    async def partner(self, partner_id: UUID) -> PartnerFacts | None:
        """The partner as casefile knows it. A row stored before migration 0010
        (``directory_known`` false) has no purposes or agreement on record: those two checks are
        left to referral and the gateway until the partner's next PartnerRegistered."""
        row = await self._conn.fetchrow("SELECT * FROM partners WHERE partner_id = $1", partner_id)
        return None if row is None else _partner(row)


_UPSERT_CONSENT = (
    "INSERT INTO consents (consent_id, case_id, partner_id, purposes, categories,"
    " valid_from, valid_until) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    " ON CONFLICT (consent_id) DO UPDATE SET purposes = EXCLUDED.purposes,"
    " categories = EXCLUDED.categories, valid_from = EXCLUDED.valid_from,"
    " valid_until = EXCLUDED.valid_until"
)
_WITHDRAW_CONSENT = (
    "INSERT INTO consents (consent_id, case_id, partner_id, purposes, categories,"
    " valid_from, valid_until, withdrawn_at) VALUES ($1, $2, $3, '{}', '{}',"
    " '1970-01-01', '1970-01-01', $4)"
    " ON CONFLICT (consent_id) DO UPDATE"
    " SET withdrawn_at = COALESCE(consents.withdrawn_at, EXCLUDED.withdrawn_at)"
)
_UPSERT_PARTNER = (
    "INSERT INTO partners (partner_id, partner_type, active, ever_origin_authority,"
    " purposes, agreement_valid_until, directory_known)"
    " VALUES ($1, $2, $3, $4, $5, $6, true)"
    " ON CONFLICT (partner_id) DO UPDATE"
    " SET partner_type = EXCLUDED.partner_type, active = EXCLUDED.active,"
    " ever_origin_authority = partners.ever_origin_authority"
    "   OR EXCLUDED.ever_origin_authority,"
    " purposes = EXCLUDED.purposes, agreement_valid_until = EXCLUDED.agreement_valid_until,"
    " directory_known = true"
)


def _consent_args(consent: ConsentFacts) -> tuple[Any, ...]:
    return (
        consent.consent_id,
        consent.case_id,
        consent.partner_id,
        sorted(p.value for p in consent.purposes),
        sorted(c.value for c in consent.categories),
        consent.valid_from,
        consent.valid_until,
    )


def _partner_args(partner: PartnerFacts) -> tuple[Any, ...]:
    return (
        partner.partner_id,
        partner.partner_type.value,
        partner.active,
        partner.ever_origin_authority,
        None if partner.purposes is None else sorted(p.value for p in partner.purposes),
        partner.agreement_valid_until if partner.has_agreement else None,
    )


def _consent(row: Row) -> ConsentFacts:
    return ConsentFacts(
        consent_id=row["consent_id"],
        case_id=row["case_id"],
        partner_id=row["partner_id"],
        purposes=frozenset(Purpose(p) for p in row["purposes"]),
        categories=frozenset(DataCategory(c) for c in row["categories"]),
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        withdrawn_at=row["withdrawn_at"],
    )


def _partner(row: Row) -> PartnerFacts:
    known = bool(row["directory_known"])
    until: date | None = row["agreement_valid_until"] if known else date.max
    return PartnerFacts(
        partner_id=row["partner_id"],
        partner_type=PartnerType(row["partner_type"]),
        active=row["active"],
        ever_origin_authority=row["ever_origin_authority"],
        purposes=frozenset(Purpose(p) for p in row["purposes"]) if known else None,
        has_agreement=until is not None,
        agreement_valid_until=until,
    )


_CONSENT = (
    "consent_id",
    "case_id",
    "partner_id",
    "purposes",
    "categories",
    "valid_from",
    "valid_until",
    "withdrawn_at",
)
_PARTNER = (
    "partner_id",
    "partner_type",
    "active",
    "ever_origin_authority",
    "purposes",
    "agreement_valid_until",
    "directory_known",
)
_CONSENT_AND_PARTNER = f"""
SELECT {", ".join(f"c.{c} AS c_{c}" for c in _CONSENT)},
       {", ".join(f"p.{c} AS p_{c}" for c in _PARTNER)}
FROM (SELECT 1) AS one
LEFT JOIN consents c ON c.consent_id = $1
LEFT JOIN partners p ON p.partner_id = $2
"""  # noqa: S608  # column names come from the constants above, never from input


def _strip(row: asyncpg.Record, prefix: str, columns: tuple[str, ...]) -> dict[str, Any]:
    return {c: row[f"{prefix}{c}"] for c in columns}
