"""The bodies of the gateway's HTTP API (closed codes, bounded numbers, no free text)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from hub_contracts import DeclineReason, MonitoringOutcome, PartnerReportedStatus
from hub_contracts.codes import ClientId, ClientSecret, UniqueItems
from hub_runtime.edge import ErrorBody
from hub_runtime.errors import InvalidError
from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

from partner_gateway.domain import webhook_url


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebhookRegistration(_Strict):
    """An admin sets a partner's webhook endpoint."""

    url: AnyHttpUrl = Field(
        description="The partner's endpoint: https, on a public address (checked again before"
        " every delivery; development (HUB_ENV) allows http and any address), never with"
        " user:password@ or an empty @ (422 webhook_url_credentials), never with a fragment"
        " (422 webhook_url_fragment: it is never sent), at most 2,048 characters (422"
        " webhook_url_too_long), never without a host, with a port that is not 1-65535"
        " (port 0, 65536, 8x), with an empty host"
        " label such as a..b, a host label over 63 characters, a host name over 253 or with"
        " a character other than letters, digits, hyphens and dots (such as _), with a space"
        " or control character or a % that begins no escape (422 webhook_url_invalid, its"
        " rule in reasons); a query is kept"
    )
    # The URL type rewrites what it reads (WHATWG URL parsing): `http://@host/` loses its empty
    # userinfo and `http:///path` becomes `http://path/`, so the rules also see the text sent
    # (`domain.webhook_url.check_written`; the ninth new user's trial).
    _written: str | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _keep_the_text_sent(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        sent = data.get("url") if isinstance(data, dict) else None
        if isinstance(sent, str):
            # The URL type refuses a port over 65535 (or not in digits) as invalid_request in
            # its own words, and takes port 0: the port rule of `domain.webhook_url` goes first,
            # so that every bad port is the same 422 webhook_url_invalid with its reason. A
            # domain error is no ValueError: pydantic lets it through to the hub's error handler.
            try:
                webhook_url.check_port(sent)
            except webhook_url.WebhookUrlRefusedError as refused:
                raise InvalidError(
                    refused.reason, code=refused.code, reasons=refused.reasons
                ) from None
        model = handler(data)
        model._written = sent if isinstance(sent, str) else None
        return model

    @property
    def written(self) -> str | None:
        """The URL as the request's JSON wrote it (None when it was not given as a string)."""
        return self._written


class WebhookRegistered(_Strict):
    """The endpoint and its new signing secret (shown once)."""

    partner_id: UUID
    url: str
    secret: str = Field(description="Standard Webhooks signing secret (whsec_...); shown once")
    previous_secret_valid_until: datetime | None


class StatusReport(_Strict):
    """A partner's status report; ``reason_code`` with a decline only."""

    status: PartnerReportedStatus
    reason_code: DeclineReason | None = Field(
        default=None,
        description="Why the partner declines, from a closed list (required for a decline,"
        " not allowed otherwise): a free code could carry a name or a diagnosis onto Kafka,"
        " where erasure cannot reach it",
    )

    @model_validator(mode="after")
    def _reason_only_for_a_decline(self) -> Self:
        declined = self.status is PartnerReportedStatus.DECLINED
        if declined and self.reason_code is None:
            raise ValueError("a decline needs a reason_code")
        if not declined and self.reason_code is not None:
            raise ValueError("only a decline carries a reason_code")
        return self


NO_PROBLEMS_ALONE = (
    "the outcome that reports no problems is given alone, never together with another outcome"
)
"""The reason of a contradictory set of outcomes; it names no value (a value sent is never
repeated back, and the validation reasons would blank a sentence that quotes one)."""


class MonitoringReport(_Strict):
    """Post-return monitoring: months after the return (0-120, a JSON whole number) and closed
    outcomes (``no_problems`` only alone)."""

    # A JSON number and nothing else, as `StrictBool` is true or false only: "3" (a string)
    # was taken as 3 while 3.0 and true were refused (a new user's trial). The portal's form
    # reads its text field into a number first (`api.portal.forms`).
    months_after_return: StrictInt = Field(
        ge=0, le=120, description="Whole months since the return, 0 to 120 (a JSON number)"
    )
    outcomes: Annotated[list[MonitoringOutcome], UniqueItems()] = Field(
        min_length=1,
        max_length=len(MonitoringOutcome),
        description="What was observed, closed codes; no_problems only alone (422 otherwise)",
    )

    @field_validator("outcomes")
    @classmethod
    def _no_problems_alone(cls, outcomes: list[MonitoringOutcome]) -> list[MonitoringOutcome]:
        # "No problems" beside a safety concern contradicts itself; the rule is the request's,
        # not the event's, so records already on Kafka still decode.
        if MonitoringOutcome.NO_PROBLEMS in outcomes and len(outcomes) > 1:
            raise ValueError(NO_PROBLEMS_ALONE)
        return outcomes


class TokenRequest(_Strict):
    """OAuth 2.0 client credentials grant (RFC 6749 section 4.4), as JSON."""

    grant_type: Literal["client_credentials"] = "client_credentials"
    client_id: ClientId
    client_secret: ClientSecret


class TokenErrorBody(ErrorBody):
    """The hub's error shape as the token endpoint answers it (RFC 6749 section 5.2)."""

    error: str = Field(
        description="invalid_request, invalid_client or unsupported_grant_type (RFC 6749"
        " section 5.2) on a 400 or 401; the hub's code otherwise (partner_origin_authority,"
        " too_many_requests, ...)",
        examples=["unsupported_grant_type"],
    )
    error_description: str = Field(
        description="The same sentence as `detail`, in the ASCII RFC 6749 allows"
    )


class TokenResponse(_Strict):
    """A short-lived partner bearer token; ``expires_in`` in seconds."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 (a scheme name)
    expires_in: int


class ClientCreated(_Strict):
    """A client id with its new secret (shown once)."""

    client_id: str
    client_secret: str = Field(description="Shown once; only its scrypt hash is stored")
    previous_secret_valid_until: datetime | None = None


class StaffInvitation(_Strict):
    """An admin invites a partner's staff member to the portal."""

    email: Annotated[
        str,
        Field(
            min_length=3,
            max_length=254,
            pattern=r"^[^@\s\x00-\x1f]{1,64}@[A-Za-z0-9.-]{1,188}$",
            description="The staff member's work e-mail address: the account's only personal"
            " data, used to sign in (lower-cased)",
        ),
    ]
    # Strictly true or false (as casefile's bodies): "yes", "true" or 1 granted the privileged
    # role (fifth trial); they are 422 "lead: should be true or false".
    lead: StrictBool = Field(
        False,
        description="The partner's lead: may invite, revoke and reset the partner's own staff"
        " in the portal (true or false, nothing else)",
    )


class StaffInvited(_Strict):
    """The new account and its one-time invitation code (shown once: hand it over with the
    link; it sets the password at ``activation_path`` within three days)."""

    staff_id: UUID
    invitation_code: str
    activation_path: str
    expires_at: datetime


class PasswordResetIssued(_Strict):
    """A one-time password-reset code (shown once: hand it over with the link; it sets a new
    password at ``reset_path`` within 24 hours and ends every session of the account)."""

    staff_id: UUID
    reset_code: str
    reset_path: str
    expires_at: datetime
