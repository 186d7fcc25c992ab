"""The gateway's commands and queries (``Message[R]``: the handler returns ``R``) and results.

Ids are UUIDs; days are the council's (`partner_gateway.clock`). Results are frozen dataclasses
whose JSON form (``pydantic_core.to_jsonable_python``) is the HTTP answer body, so times a
partner reads are ISO 8601 strings written by ``datetime.isoformat()`` (as before the bus).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from hub_contracts import DeclineReason, MonitoringOutcome, PartnerReportedStatus
from hub_runtime.auth import Principal
from hub_runtime.bus import Message

from partner_gateway.domain.model import Referral

# --- admin -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookSet:
    """The new signing secret (shown once) and until when the one it replaced still signs."""

    secret: str
    previous_secret_valid_until: datetime | None


@dataclass(frozen=True)
class RegisterWebhook(Message[WebhookSet]):
    """Set or rotate a partner's webhook endpoint ``url`` (as the API's URL type wrote it:
    ASCII, the one stored and called); ``written``, the text the admin sent, when it differs
    (checked by the same rules: the URL type's rewriting hides an empty ``@`` or host)."""

    partner_id: UUID
    url: str
    written: str | None = None


@dataclass(frozen=True)
class ClientSecretIssued:
    """A client id and its new secret (shown once); the end of the previous secret(s)."""

    client_id: str
    client_secret: str
    previous_secret_valid_until: datetime | None = None


@dataclass(frozen=True)
class CreateClient(Message[ClientSecretIssued]):
    """A new API client for the partner."""

    partner_id: UUID


@dataclass(frozen=True)
class RotateClientSecret(Message[ClientSecretIssued]):
    """A new secret for the client; the current ones stay valid for the overlap."""

    client_id: str


@dataclass(frozen=True)
class RevokeClient(Message[None]):
    """Revoke the client and every secret of it, at once."""

    client_id: str


@dataclass(frozen=True)
class ListClients(Message[list[dict[str, Any]]]):
    """The partner's API clients (never their secrets)."""

    partner_id: UUID


@dataclass(frozen=True)
class DeliveryLog(Message[dict[str, Any]]):
    """The delivery log (``items``) and the circuit breakers (``breakers``)."""

    partner_id: UUID | None
    state: str | None
    after: int
    limit: int


@dataclass(frozen=True)
class DisclosureLog(Message[dict[str, Any]]):
    """The disclosure log (``items``): facts only, never the data."""

    referral_id: UUID | None
    case_id: UUID | None
    limit: int


@dataclass(frozen=True)
class NoticeListing(Message[dict[str, Any]]):
    """Notices (``items``); ``overdue_only``: those not acknowledged by their due time."""

    overdue_only: bool
    limit: int


# --- partners --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExchangeToken(Message[str]):
    """Client credentials for a short-lived partner bearer token (the token is the result).

    ``grant_valid``: the rest of the request (grant type, parameters) passed the edge's check;
    when False the handler refuses after authenticating the client (see
    ``partner_gateway.api.token_request`` for the order)."""

    client_id: str
    client_secret: str
    grant_valid: bool = True


@dataclass(frozen=True)
class AdmitPartner(Message[UUID]):
    """May this partner token's request go on? The result is its partner id."""

    principal: Principal


@dataclass(frozen=True)
class CheckDisclosure(Message[Referral]):
    """Before casefile is asked: is the referral the partner's and may it be disclosed today?"""

    partner_id: UUID
    referral_id: UUID


@dataclass(frozen=True)
class RecordDisclosure(Message[str]):
    """After casefile answered: check again, log the disclosure, emit ``DisclosureMade``; the
    result is the legal basis. ``staff_id``: the portal account that opened it (None: the
    partner's API client)."""

    referral: Referral
    staff_id: UUID | None = None


@dataclass(frozen=True)
class StatusReported:
    """The answer to a status report (``reported_at`` ISO 8601, ``event_id`` the event's)."""

    referral_id: str
    status: str
    reason_code: str | None
    reported_at: str
    event_id: str


@dataclass(frozen=True)
class ReportStatus(Message[StatusReported]):
    """A partner's status report on its referral (``reason_code`` only with a decline)."""

    partner_id: UUID
    referral_id: UUID
    status: PartnerReportedStatus
    reason_code: DeclineReason | None


@dataclass(frozen=True)
class MonitoringAccepted:
    """The answer to a monitoring report."""

    referral_id: str
    months_after_return: int
    outcomes: list[str]
    event_id: str


@dataclass(frozen=True)
class ReportMonitoring(Message[MonitoringAccepted]):
    """A partner's post-return monitoring facts (months after return, closed outcomes)."""

    partner_id: UUID
    referral_id: UUID
    months_after_return: int
    outcomes: tuple[MonitoringOutcome, ...]


@dataclass(frozen=True)
class NoticeAcknowledgement:
    """The answer to an acknowledgement: when the notice was (first) acknowledged."""

    notice_id: str
    acknowledged_at: str


@dataclass(frozen=True)
class AcknowledgeNotice(Message[NoticeAcknowledgement]):
    """The partner acknowledges a notice of its own (a repeat keeps the first time)."""

    partner_id: UUID
    notice_id: UUID


@dataclass(frozen=True)
class InboxPage:
    """Notifications to show (their JSON bodies) and the cursor after the last entry read."""

    items: list[dict[str, Any]]
    next_cursor: str


@dataclass(frozen=True)
class ReadInbox(Message[InboxPage]):
    """The partner's pull inbox after the cursor ``after`` (0: from the start)."""

    partner_id: UUID
    after: int
    limit: int


# --- the portal's staff accounts ---------------------------------------------------------------


@dataclass(frozen=True)
class StaffInvited:
    """A new account: the one-time invitation code (shown once, stored only hashed) and when it
    expires."""

    staff_id: UUID
    code: str = field(repr=False)
    expires_at: datetime


@dataclass(frozen=True)
class Actor:
    """Who manages a staff account: the council's admin, or a partner's lead (``staff_id``),
    who may act only on the accounts of the lead's own partner."""

    kind: Literal["admin", "lead"]
    staff_id: UUID | None = None


ADMIN = Actor("admin")


@dataclass(frozen=True)
class InviteStaff(Message[StaffInvited]):
    """An admin or the partner's lead invites a staff member (``email``, lower-cased) to the
    portal; ``lead``: the new account is a lead's (an admin's choice only)."""

    partner_id: UUID
    email: str
    lead: bool = False
    by: Actor = ADMIN


@dataclass(frozen=True)
class RevokeStaff(Message[None]):
    """An admin or the partner's lead revokes a staff account: its sessions end at once."""

    staff_id: UUID
    by: Actor = ADMIN


@dataclass(frozen=True)
class ListStaff(Message[list[dict[str, Any]]]):
    """A partner's staff accounts (no secrets)."""

    partner_id: UUID


@dataclass(frozen=True)
class ActivateStaff(Message[UUID]):
    """The invitation ``code`` and a new password; the result is the staff id."""

    code: str = field(repr=False)
    password: str = field(repr=False)


@dataclass(frozen=True)
class SignedIn:
    """A right password: the cookie value (stored only hashed) of a session, or, when
    ``second_factor_due``, of the step that waits for the code (`VerifySecondFactor`)."""

    token: str = field(repr=False)
    second_factor_due: bool


@dataclass(frozen=True)
class SignIn(Message[SignedIn]):
    """E-mail address and password for a new session."""

    email: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class StaffSession:
    """Who a portal request comes from."""

    staff_id: UUID
    partner_id: UUID
    email: str
    lead: bool = False
    second_factor: bool = False


@dataclass(frozen=True)
class ResolveSession(Message[StaffSession | None]):
    """The staff member of a session cookie, if the session is still alive (idle for less than
    ``idle_seconds``, started less than ``absolute_seconds`` ago); None when it has ended (a
    result, not an error, so that ending it is committed)."""

    token: str = field(repr=False)
    idle_seconds: int
    absolute_seconds: int


@dataclass(frozen=True)
class SignOut(Message[None]):
    """End the session of a cookie."""

    token: str = field(repr=False)


@dataclass(frozen=True)
class PortalReferral:
    """A referral the partner was told of and that still holds (ids and closed codes only);
    ``status`` None for referrals stored before the status was kept."""

    referral_id: UUID
    purpose: str
    data_categories: tuple[str, ...]
    status: str | None
    told_at: str


@dataclass(frozen=True)
class PortalOverview:
    """The portal's first page: the partner's referrals (newest first) and notices (newest
    first, each with ``acknowledged_at``)."""

    referrals: list[PortalReferral]
    notices: list[dict[str, Any]]


@dataclass(frozen=True)
class ReadPortalOverview(Message[PortalOverview]):
    """The referrals addressed to the partner and its notices, judged as the pull inbox judges
    them."""

    partner_id: UUID
