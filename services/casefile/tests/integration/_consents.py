"""What casefile's disclosure tests build again and again: a partner and a consent as the
directory and referral announce them, the disclosure request the gateway sends under that
consent, and the wait until casefile's view holds both (``from ._consents import ...``)."""

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from hub_contracts import ConsentGranted, PartnerRegistered, PartnerType, Purpose
from hub_runtime.testing import wait_until


def partner_registered(
    partner_type: str = "ngo",
    purposes: Sequence[str] = ("return_counselling",),
    partner_id: uuid.UUID | None = None,
) -> PartnerRegistered:
    """An active partner in Syria (a new id unless given), its agreement valid for a year."""
    return PartnerRegistered(
        partner_id=partner_id or uuid.uuid4(),
        partner_type=PartnerType(partner_type),
        purposes=[Purpose(purpose) for purpose in purposes],
        countries=["SY"],
        agreement_valid_until=date.today() + timedelta(days=365),
        active=True,
    )


def consent_granted(case_id: str, partner_id: uuid.UUID, **overrides: Any) -> ConsentGranted:
    """A consent of the case to the partner (a new id): return counselling, identity and
    contact, valid from yesterday for 30 days; ``overrides`` replace any field."""
    values: dict[str, Any] = {
        "case_id": uuid.UUID(case_id),
        "consent_id": uuid.uuid4(),
        "partner_id": partner_id,
        "purposes": ["return_counselling"],
        "data_categories": ["identity", "contact"],
        "valid_from": date.today() - timedelta(days=1),
        "valid_until": date.today() + timedelta(days=30),
        **overrides,
    }
    return ConsentGranted(**values)


def disclosure_request(consent: ConsentGranted, **overrides: Any) -> dict[str, Any]:
    """The body of ``POST /internal/disclosures`` for a new referral under ``consent``: its
    first purpose and every data category it names; ``overrides`` replace any field."""
    return {
        "case_id": str(consent.case_id),
        "referral_id": str(uuid.uuid4()),
        "partner_id": str(consent.partner_id),
        "consent_id": str(consent.consent_id),
        "purpose": str(consent.purposes[0]),
        "data_categories": [str(category) for category in consent.data_categories],
        **overrides,
    }


async def consent_known(cf: Any, consent: ConsentGranted) -> None:
    """Wait until casefile's view holds the consent and its partner (both were published)."""

    async def known() -> bool:
        return bool(
            await cf.fetchval(
                "SELECT count(*) FROM consents c JOIN partners p USING (partner_id)"
                " WHERE c.consent_id = $1",
                consent.consent_id,
            )
        )

    await wait_until(known)
