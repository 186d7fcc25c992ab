"""What counsellors, coordinators and admins ask the service to do (HTTP bodies).

No rule lives here: shape only. The rules are in `domain/`, applied by `handlers.py`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from hub_contracts import CountryCode, DataCategory, PartnerType, Purpose
from hub_contracts.commands.referral import ConsentEvidence
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from referral.domain.partner_changes import ChangeReason
from referral.domain.policy import ReviewAction

ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RegisterPartner(_Command):
    """A new organisation for the directory (Open Referral HSDS-like: who, where, what)."""

    name: ShortText = Field(description="Name of the organisation.")
    partner_type: PartnerType = Field(description="Kind of organisation.")
    countries: list[CountryCode] = Field(
        min_length=1, description="ISO 3166-1 alpha-2 countries where it works."
    )
    services: list[ShortText] = Field(
        default_factory=list, description="Services offered (e.g. 'reintegration grants')."
    )
    purposes: list[Purpose] = Field(
        min_length=1, description="Purposes for which it may receive data."
    )
    agreement_reference: ShortText | None = Field(
        default=None, description="Reference of the data-sharing agreement, if any."
    )
    agreement_valid_from: date | None = Field(default=None, description="First day in force.")
    agreement_valid_until: date | None = Field(default=None, description="Last day in force.")


class UpdatePartner(RegisterPartner):
    """The directory entry as it is now (a renewed agreement, a removed organisation)."""

    active: bool = Field(
        default=True, description="False removes it: no new consent or referral to it."
    )
    change_reason: ChangeReason | None = Field(
        default=None,
        description="Why the type or standing (type, active, agreement, purposes, countries)"
        " changes: a closed code, recorded in the audit with the admin and the time. Required"
        " when any of them changes; 'registered' is the service's own.",
    )


class GrantConsent(_Command):
    partner_id: UUID = Field(description="The receiving organisation.")
    purposes: list[Purpose] = Field(min_length=1, description="What the data may be used for.")
    data_categories: list[DataCategory] = Field(min_length=1, description="What may be shared.")
    valid_from: date = Field(description="First day the consent is valid (not before today).")
    valid_until: date = Field(description="Last day the consent is valid.")
    # The command topic's own evidence model: the HTTP API accepts exactly what a command may
    # carry (references and logins as codes, never free text).
    evidence: ConsentEvidence


class RequestReferral(_Command):
    partner_id: UUID = Field(description="The receiving organisation.")
    purpose: Purpose = Field(description="What the referral is for.")
    data_categories: list[DataCategory] = Field(min_length=1, description="What is to be shared.")


class ReviewReferral(_Command):
    decision: ReviewAction = Field(
        description="approve (no rule fails), override (set aside rules that allow it) or refuse."
    )
    reason: Annotated[str, StringConstraints(min_length=10, max_length=2000)] = Field(
        description="The coordinator's written reason (kept in the audit, never on Kafka)."
    )
