"""All SQL of the referral service, one module per aggregate, behind the Protocols of `ports`
(which `referral.fakes` keeps in memory). Repositories run inside the caller's unit of work and
never commit."""

from referral.repository.ports import (
    CaseKeyRepository,
    CaseViewRepository,
    ConsentRepository,
    Disclosure,
    DisclosureRepository,
    OpenReferralExistsError,
    PartnerChange,
    PartnerChangeLog,
    PartnerRepository,
    Record,
    ReferralRepository,
    Review,
)

__all__ = [
    "CaseKeyRepository",
    "CaseViewRepository",
    "ConsentRepository",
    "Disclosure",
    "DisclosureRepository",
    "OpenReferralExistsError",
    "PartnerChange",
    "PartnerChangeLog",
    "PartnerRepository",
    "Record",
    "ReferralRepository",
    "Review",
]
