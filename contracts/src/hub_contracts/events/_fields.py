"""Field types reused across events, so that one id means the same thing everywhere."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

from hub_contracts.vocabulary import DataCategory

CaseId = Annotated[
    UUID, Field(description="Pseudonymous case id (never a person's name or file number).")
]
PartnerId = Annotated[UUID, Field(description="Id of the partner organisation.")]
ReferralId = Annotated[UUID, Field(description="Id of the referral.")]
ConsentId = Annotated[UUID, Field(description="Id of the consent record.")]

ReasonCode = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z_]{1,64}$"),
]
"""A machine code (lowercase snake_case), never free text."""

DataCategories = Annotated[
    list[DataCategory],
    Field(min_length=1, description="Categories of personal data concerned (named, not sent)."),
]
