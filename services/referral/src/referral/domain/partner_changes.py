"""Changes of a partner's type or standing: what counts as one, and the one change never allowed.

Pure rules, no I/O. The audit (who, when, why) is written by ``directory.py``; the reason is a
closed code chosen by the admin, never free text (issue 12, item 3).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from hub_contracts import PartnerType

from referral.domain.model import Partner


class ChangeReason(StrEnum):
    """Why a partner's type or standing changed (closed; the audit's CHECK lists the same)."""

    REGISTERED = "registered"  # added to the directory (set by the service, never sent)
    AGREEMENT_SIGNED = "agreement_signed"
    AGREEMENT_RENEWED = "agreement_renewed"
    AGREEMENT_ENDED = "agreement_ended"
    REMOVED = "removed"
    REINSTATED = "reinstated"
    RECLASSIFIED = "reclassified"
    PURPOSES_CHANGED = "purposes_changed"
    CORRECTION = "correction"


STANDING_FIELDS: tuple[str, ...] = (
    "partner_type",
    "active",
    "agreement_reference",
    "agreement_valid_from",
    "agreement_valid_until",
    "purposes",
    "countries",
)
"""What decides whether and for what a partner may receive data (countries: the transfer
outside the EU/EEA rule). A change of any of them is audited; name and services are not."""


def standing(partner: Partner) -> dict[str, Any]:
    """The standing fields as JSON values (dates ISO 8601, lists sorted)."""
    return {
        "partner_type": partner.partner_type.value,
        "active": partner.active,
        "agreement_reference": partner.agreement_reference,
        "agreement_valid_from": _day(partner.agreement_valid_from),
        "agreement_valid_until": _day(partner.agreement_valid_until),
        "purposes": sorted(p.value for p in partner.purposes),
        "countries": sorted(partner.countries),
    }


def changed_fields(before: Partner | None, after: Partner) -> list[str]:
    """The standing fields that differ, in :data:`STANDING_FIELDS` order (all of them for a
    new entry)."""
    new = standing(after)
    if before is None:
        return list(STANDING_FIELDS)
    old = standing(before)
    return [name for name in STANDING_FIELDS if old[name] != new[name]]


def lifts_origin_classification(before: Partner, after: Partner) -> bool:
    """A change away from ``authority_origin`` of an id that was ever listed as one: refused,
    always (domain.md; vision §1.1, §1.3: nothing ever reaches an origin-country authority,
    and the same id must not come back as an NGO)."""
    return before.origin_authority and after.partner_type is not PartnerType.AUTHORITY_ORIGIN


def _day(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())
