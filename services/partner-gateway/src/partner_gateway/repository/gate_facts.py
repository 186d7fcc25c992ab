"""SQL of the gates' one read: partner, consent, case view and status of a referral together.

Every gate (delivery at send time, the pull inbox, the disclosure before casefile is asked and
again in the transaction that logs it) judges on these four facts. They were four queries, i.e.
four round trips per gate; under load the disclosure path made them twice within a moment
(issue 16). One statement reads them in one snapshot, still fresh from the views at the moment
of the gate: nothing is cached, so a withdrawal committed before the gate still wins.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from hub_contracts import ProcedureStage, ReferralStatus
from hub_runtime.db import Connection

from partner_gateway.domain.model import CaseView, GateFacts, Referral
from partner_gateway.repository.consents import consent_of
from partner_gateway.repository.partners import partner_of

_PARTNER = (
    "partner_id",
    "partner_type",
    "purposes",
    "countries",
    "active",
    "webhook_url",
    "agreement_valid_until",
    "ever_origin_authority",
)
_CONSENT = (
    "consent_id",
    "case_id",
    "partner_id",
    "purposes",
    "data_categories",
    "valid_from",
    "valid_until",
    "withdrawn_at",
)

_GATE_FACTS = f"""
SELECT r.status,
       {", ".join(f"p.{c} AS p_{c}" for c in _PARTNER)},
       {", ".join(f"c.{c} AS c_{c}" for c in _CONSENT)},
       k.stage AS k_stage, k.closed_on AS k_closed_on,
       EXISTS (SELECT 1 FROM erased_cases e WHERE e.case_id = $3) AS erased
FROM (SELECT 1) AS one
LEFT JOIN referrals r ON r.referral_id = $1
LEFT JOIN partners p ON p.partner_id = $2
LEFT JOIN consents c ON c.consent_id = $4
LEFT JOIN cases k ON k.case_id = $3
"""  # noqa: S608  # column names come from the constants above, never from input


async def gate_facts(conn: Connection, referral: Referral) -> GateFacts:
    """The referral's partner, consent, case view and status as the views have them now."""
    row = await conn.fetchrow(
        _GATE_FACTS,
        referral.referral_id,
        referral.partner_id,
        referral.case_id,
        referral.consent_id,
    )
    assert row is not None  # the FROM (SELECT 1) always gives one row
    partner = None if row["p_partner_id"] is None else partner_of(_strip(row, "p_", _PARTNER))
    consent = None if row["c_consent_id"] is None else consent_of(_strip(row, "c_", _CONSENT))
    case = CaseView(
        stage=None if row["k_stage"] is None else ProcedureStage(row["k_stage"]),
        closed=row["k_closed_on"] is not None,
        erased=bool(row["erased"]),
    )
    status = None if row["status"] is None else ReferralStatus(row["status"])
    return GateFacts(partner, consent, case, status)


def _strip(row: asyncpg.Record, prefix: str, columns: tuple[str, ...]) -> dict[str, Any]:
    return {c: row[f"{prefix}{c}"] for c in columns}
