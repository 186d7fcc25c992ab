"""The referral service's commands: what a use case needs, from HTTP or Kafka alike.

Each is a `hub_runtime.bus.Message[R]` (its handler returns ``R``), routed by `routes.ROUTES`.
The HTTP edge builds them from the path, the parsed body (`referral.bodies`) and the token's
subject; the Kafka command adapter (`referral.kafka_commands`) from a command of
``referral.commands.v1``, with ``caused_by`` set to its envelope so the events it causes name it.
``of_case``: a Kafka command names its case, and a consent or referral of another case counts
as not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from hub_contracts.envelope import Envelope
from hub_runtime.bus import Message

from referral.bodies import (
    GrantConsent,
    HsdsOrganization,
    RegisterPartner,
    RequestReferral,
    ReviewReferral,
    UpdatePartner,
)
from referral.domain.model import Partner

# ---------------------------------------------------------------- the partner directory


@dataclass(frozen=True)
class AddPartner(Message[Partner]):
    """Add an organisation to the directory (``registered_by``: the admin's login)."""

    entry: RegisterPartner
    registered_by: str
    partner_id: UUID | None = None
    """The id to register it under (an HSDS import keeps the organization's id); new if None."""


@dataclass(frozen=True)
class ReplacePartner(Message[Partner]):
    """Replace a directory entry (``changed_by``: the admin's login)."""

    partner_id: UUID
    entry: UpdatePartner
    changed_by: str


@dataclass(frozen=True)
class ImportOutcome:
    """What an HSDS import did with one organization: ``created``, ``updated`` or
    ``unchanged``; ``ignored``: the taxonomy terms it carried that were not applied (standing
    is an admin's decision); ``may_receive_data`` today, after the import."""

    organization_id: UUID
    outcome: str
    ignored: tuple[str, ...]
    may_receive_data: bool


@dataclass(frozen=True)
class ImportOrganizations(Message[list[ImportOutcome]]):
    """Create or update directory entries from HSDS organizations, all or none
    (``imported_by``: the admin's login)."""

    organizations: tuple[HsdsOrganization, ...]
    imported_by: str


# ---------------------------------------------------------------- consents


@dataclass(frozen=True)
class RecordConsent(Message[UUID]):
    """Record the person's consent for ``case_id``; the handler returns the consent's id."""

    case_id: UUID
    consent: GrantConsent
    caused_by: Envelope | None = None


@dataclass(frozen=True)
class WithdrawConsent(Message[None]):
    """Withdraw a consent (``withdrawn_by``: the staff login)."""

    consent_id: UUID
    withdrawn_by: str
    of_case: UUID | None = None
    caused_by: Envelope | None = None


# ---------------------------------------------------------------- referrals


@dataclass(frozen=True)
class ReferCase(Message[UUID]):
    """Request a referral of ``case_id``; the handler returns the referral's id."""

    case_id: UUID
    request: RequestReferral
    requested_by: str
    caused_by: Envelope | None = None


@dataclass(frozen=True)
class DecideReview(Message[None]):
    """A coordinator's decision on a referral awaiting review (``reviewed_by``: the login)."""

    referral_id: UUID
    review: ReviewReferral
    reviewed_by: str
    of_case: UUID | None = None
    caused_by: Envelope | None = None


# ---------------------------------------------------------------- time-driven passes


@dataclass(frozen=True)
class ExpireUnanswered(Message[int]):
    """Expire up to ``batch`` approved or delivered referrals left unanswered longer than
    ``answer_within``; the handler returns how many it expired."""

    answer_within: timedelta
    batch: int = 100


@dataclass(frozen=True)
class RewrapKeys(Message[int]):
    """Master-key rotation, one batch: re-wrap up to ``limit`` case keys under the current KEK
    version; returns how many (0: none left)."""

    limit: int = 200


@dataclass(frozen=True)
class LapsePage:
    """One page of `ReevaluateLapsed`: referrals moved, the last case looked at (the next page
    starts after it) and whether the page was full (more may wait)."""

    changed: int
    last_case: UUID | None
    full: bool


@dataclass(frozen=True)
class ReevaluateLapsed(Message[LapsePage]):
    """Re-evaluate the cases (ids above ``after``, at most ``batch``) whose open referrals rest
    on a consent that expired or an agreement that ended before today."""

    after: UUID | None = None
    batch: int = 100
