"""What the gateway's routes answer besides the bodies of `partner_gateway.api.models`, as typed
models, so that the OpenAPI document describes the real bodies. The fields are exactly those the
handlers and repositories return (clients depend on them); none is added or renamed here."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True)


class Delivery(_Answer):
    """One webhook delivery: its notification, state and last attempt."""

    id: int = Field(description="The delivery's sequence number (`after` pages on it)")
    notification_id: UUID
    partner_id: UUID
    referral_id: UUID | None
    notice_id: UUID | None
    kind: str = Field(description="The notification's type, e.g. `referral.ready`")
    state: Literal["pending", "delivered", "given_up", "dropped"]
    attempts: int
    last_status: int | None = Field(description="The partner's last HTTP status")
    last_error: str | None = Field(description="The last failure, a short code or phrase")
    next_attempt_at: datetime
    created_at: datetime
    finished_at: datetime | None


class Breaker(_Answer):
    """A webhook partner's circuit breaker."""

    partner_id: UUID
    consecutive_failures: int
    breaker_open_until: datetime | None


class DeliveryLog(_Answer):
    """A page of the delivery log and every webhook partner's circuit breaker."""

    items: list[Delivery]
    breakers: list[Breaker]


class DisclosureFact(_Answer):
    """The fact of one disclosure (never the data)."""

    disclosure_id: UUID
    partner_id: UUID
    referral_id: UUID
    case_id: UUID
    consent_id: UUID
    data_categories: list[str]
    legal_basis: str
    disclosed_at: datetime
    staff_id: UUID | None = Field(
        None, description="The portal account that opened it; null when the partner's API did"
    )


class DisclosureLog(_Answer):
    """Disclosures, oldest first."""

    items: list[DisclosureFact]


class Notice(_Answer):
    """A withdrawal, erasure, suspension or resumption notice to a partner."""

    notice_id: UUID
    case_id: UUID
    partner_id: UUID
    referral_id: UUID | None
    kind: Literal["withdrawal", "erasure", "suspension", "resumption"]
    created_at: datetime
    due_at: datetime
    sent_at: datetime | None
    acknowledged_at: datetime | None
    overdue: bool


class Notices(_Answer):
    """Notices, oldest first."""

    items: list[Notice]


class Client(_Answer):
    """A partner's API client (never its secrets)."""

    client_id: str
    created_at: datetime
    revoked_at: datetime | None
    valid_secrets: int = Field(description="How many of its secrets are valid now")


class Clients(_Answer):
    """A partner's API clients, the oldest first."""

    items: list[Client]


class Revoked(_Answer):
    """A revoked client."""

    client_id: str
    status: Literal["revoked"]


class ReferralData(_Answer):
    """A disclosure: the consented categories of the referral (personal data, not cached)."""

    referral_id: UUID
    purpose: str
    data_categories: list[str]
    consent_id: UUID
    legal_basis: str
    data: dict[str, dict[str, Any]] = Field(description="The categories' data, by category")


class StatusAccepted(_Answer):
    """A status report accepted (``event_id``: the event it became)."""

    referral_id: UUID
    status: str
    reason_code: str | None
    reported_at: datetime
    event_id: UUID


class MonitoringAccepted(_Answer):
    """A monitoring report accepted."""

    referral_id: UUID
    months_after_return: int
    outcomes: list[str]
    event_id: UUID


class NoticeAcknowledged(_Answer):
    """When the notice was (first) acknowledged."""

    notice_id: UUID
    acknowledged_at: datetime


class Inbox(_Answer):
    """Notifications after the cursor, oldest first, and the cursor to read on from."""

    items: list[dict[str, Any]] = Field(
        description="Notification bodies as the webhook sends them (`type`, ids, dates)"
    )
    next_cursor: str


class StaffAccount(_Answer):
    """A partner's portal account (never a secret)."""

    staff_id: UUID
    partner_id: UUID
    email: str
    role: Literal["member", "lead"]
    created_at: datetime
    activated_at: datetime | None
    revoked_at: datetime | None
    second_factor: bool = Field(description="A TOTP second factor is enrolled")


class StaffAccounts(_Answer):
    """A partner's portal accounts, oldest first."""

    items: list[StaffAccount]


class StaffRevoked(_Answer):
    """A revoked portal account (its sessions ended)."""

    staff_id: UUID
    status: Literal["revoked"]


class SecondFactorRemoved(_Answer):
    """A portal account's second factor removed (its sessions ended)."""

    staff_id: UUID
    status: Literal["second_factor_removed"]


class StaffAuditEntry(_Answer):
    """Who invited, revoked or reset whom: closed codes and ids (``actor_staff_id`` null: the
    council's admin)."""

    action: Literal[
        "invited",
        "revoked",
        "password_reset_issued",
        "password_reset_used",
        "factor_enrolled",
        "factor_reset",
    ]
    actor_kind: Literal["admin", "lead", "self"]
    actor_staff_id: UUID | None
    staff_id: UUID
    partner_id: UUID


class StaffAudit(_Answer):
    """A partner's staff audit, oldest first."""

    items: list[StaffAuditEntry]
