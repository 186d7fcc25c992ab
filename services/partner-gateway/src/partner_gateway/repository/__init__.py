"""All SQL of the partner gateway, one module per aggregate; `protocols` says what handlers may
ask (the in-memory fakes keep the same Protocols).

Each repository takes a connection: the unit of work's (inside its transaction), or a pool's
for the delivery worker's own queries.
"""

from partner_gateway.repository.cases import CaseRepository
from partner_gateway.repository.consents import ConsentRepository, ErasureRepository
from partner_gateway.repository.credentials import CredentialRepository
from partner_gateway.repository.deliveries import DeliveryRepository, DueDelivery
from partner_gateway.repository.disclosures import DisclosureRepository
from partner_gateway.repository.notices import NoticeRepository
from partner_gateway.repository.notifications import NotificationRepository
from partner_gateway.repository.partners import PartnerRepository
from partner_gateway.repository.referrals import ReferralRepository
from partner_gateway.repository.staff import StaffRepository

__all__ = [
    "CaseRepository",
    "ConsentRepository",
    "CredentialRepository",
    "DeliveryRepository",
    "DisclosureRepository",
    "DueDelivery",
    "ErasureRepository",
    "NoticeRepository",
    "NotificationRepository",
    "PartnerRepository",
    "ReferralRepository",
    "StaffRepository",
]
