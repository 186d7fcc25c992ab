"""Commands from counsellors' tools on `referral.commands.v1`, applied by the API's own rules.

Each command becomes the HTTP body of the same use case and goes through the same handler
(`handlers.apply_*`), inside the consumer's transaction: the inbox row, the change and the
events it causes commit together, so a re-delivered command changes nothing, and each event
carries the command's envelope id as `causationid` (and its correlation id), so the tool can
find the outcome of its command.

What happens to a command:
- applied: the usual events (ConsentGranted, ReferralApproved, ...). A referral the policy
  refuses is applied too: it is a `ReferralRefused.v2` event, not an error.
- refused as bad input (unknown partner, backdated or overlapping consent, a role that may
  not do it, an unknown consent or referral of the case, ...): `PermanentEventError`, so the
  command goes to `referral.commands.v1.dlq` at once with the reason, and nothing changed.
- for a case the view has not seen yet: `CaseNotKnownYetError`, an ordinary exception, so the
  consumer retries with backoff (casefile's CaseOpened may be on its way) and dead-letters it
  after `REFERRAL_COMMAND_MAX_ATTEMPTS` (then the case is unknown, or casefile is far behind).

Kafka carries no bearer token: the command names the acting staff member and role, and only
the counsellors' tools may write the topic (Kafka ACLs in production; see the README).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

from hub_contracts import (
    Envelope,
    EventPayload,
    GrantConsentCommand,
    RequestReferralCommand,
    ReviewReferralCommand,
    Topic,
    WithdrawConsentCommand,
)
from hub_contracts.errors import describe_validation_error
from hub_runtime.auth import Role
from hub_runtime.consumer import EventHandler
from hub_runtime.errors import PermanentEventError
from hub_runtime.http import DomainError
from pydantic import ValidationError

from referral import handlers
from referral.clock import Clock
from referral.commands import GrantConsent, RequestReferral, ReviewReferral
from referral.permissions import REVIEWERS, STAFF
from referral.unit_of_work import UnitOfWork
from referral.vault import CaseVault

log = logging.getLogger(__name__)

ReferralCommand = (
    GrantConsentCommand | WithdrawConsentCommand | RequestReferralCommand | ReviewReferralCommand
)
B = TypeVar("B", GrantConsent, RequestReferral, ReviewReferral)

COMMAND_TOPICS: tuple[Topic, ...] = (Topic.REFERRAL_COMMANDS,)

ALLOWED_ROLES: Mapping[type[EventPayload], tuple[Role, ...]] = {
    GrantConsentCommand: STAFF,
    WithdrawConsentCommand: STAFF,
    RequestReferralCommand: STAFF,
    ReviewReferralCommand: REVIEWERS,
}
"""The same table as the HTTP routes' `auth.require(...)` (referral.permissions)."""


class CaseNotKnownYetError(Exception):
    """Retried, not dead-lettered at once: the case's opening may still be on its way."""


# ---------------------------------------------------------------- the handlers


def command_handlers(clock: Clock, vault: CaseVault) -> dict[str, EventHandler]:
    """event type -> handler, for the command consumer (same signature as event handlers)."""

    async def grant(uow: UnitOfWork, envelope: Envelope, command: GrantConsentCommand) -> None:
        _check_sender(envelope, command)
        body = _body(GrantConsent, _grant_fields(command))
        with _refusals_dead_lettered():
            record = await handlers.apply_grant_consent(
                uow, command.case_id, body, clock, vault=vault, caused_by=envelope
            )
        _log_applied(envelope, consent_id=record["consent_id"])

    async def withdraw(
        uow: UnitOfWork, envelope: Envelope, command: WithdrawConsentCommand
    ) -> None:
        _check_sender(envelope, command)
        with _refusals_dead_lettered():
            await handlers.apply_withdraw_consent(
                uow,
                command.consent_id,
                command.requested_by,
                clock,
                of_case=command.case_id,
                caused_by=envelope,
            )
        _log_applied(envelope, consent_id=command.consent_id)

    async def request(uow: UnitOfWork, envelope: Envelope, command: RequestReferralCommand) -> None:
        _check_sender(envelope, command)
        body = _body(
            RequestReferral,
            {
                "partner_id": command.partner_id,
                "purpose": command.purpose,
                "data_categories": command.data_categories,
            },
        )
        with _refusals_dead_lettered():
            referral_id = await handlers.apply_request_referral(
                uow, command.case_id, body, command.requested_by, clock, caused_by=envelope
            )
        _log_applied(envelope, referral_id=referral_id)

    async def review(uow: UnitOfWork, envelope: Envelope, command: ReviewReferralCommand) -> None:
        _check_sender(envelope, command)
        # The written reason stays in the tool; the review audit keeps where to find it.
        reason = f"Written reason kept in the counsellors' tool under {command.reason_reference}."
        body = _body(ReviewReferral, {"decision": command.decision.value, "reason": reason})
        with _refusals_dead_lettered():
            await handlers.apply_review_referral(
                uow,
                command.referral_id,
                body,
                command.requested_by,
                clock,
                vault=vault,
                of_case=command.case_id,
                caused_by=envelope,
            )
        _log_applied(envelope, referral_id=command.referral_id)

    return {
        GrantConsentCommand.event_type: grant,
        WithdrawConsentCommand.event_type: withdraw,
        RequestReferralCommand.event_type: request,
        ReviewReferralCommand.event_type: review,
    }


def _grant_fields(command: GrantConsentCommand) -> dict[str, Any]:
    return {
        "partner_id": command.partner_id,
        "purposes": command.purposes,
        "data_categories": command.data_categories,
        "valid_from": command.valid_from,
        "valid_until": command.valid_until,
        "evidence": command.evidence.model_dump(),
    }


def _check_sender(envelope: Envelope, command: ReferralCommand) -> None:
    """What the HTTP API learns from the path and the token, checked on the command."""
    if envelope.subject != str(command.case_id):
        # The subject is the Kafka key: one case's commands stay in order only under it.
        raise PermanentEventError(
            "subject_not_case_id: the envelope's subject must be the command's case id"
        )
    allowed = ALLOWED_ROLES[type(command)]
    if Role(command.role.value) not in allowed:
        raise PermanentEventError(
            f"role_not_allowed: role {command.role.value} may not send {type(command).__name__};"
            f" allowed: {', '.join(role.value for role in allowed)}"
        )


def _body(model: type[B], fields: dict[str, Any]) -> B:
    """The HTTP body of the use case; its shape rules apply to the command too."""
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        # Value-free description: the reason lands in a dead-letter header.
        raise PermanentEventError(f"invalid_command: {describe_validation_error(error)}") from None


@contextlib.contextmanager
def _refusals_dead_lettered() -> Iterator[None]:
    """A rule's refusal (a 4xx over HTTP) dead-letters the command with the same reason."""
    try:
        yield
    except DomainError as error:
        if error.code == "case_not_known_yet":
            raise CaseNotKnownYetError(
                "case_not_known_yet: the case is not in referral's view of casefile's cases"
                " (retried; dead-lettered after the last attempt)"
            ) from None
        raise PermanentEventError(f"{error.code}: {error.reason}") from None


def _log_applied(envelope: Envelope, **ids: Any) -> None:
    log.info(
        "command applied",
        extra={"event_id": envelope.id, "event_type": envelope.type, "source": envelope.source}
        | ids,
    )
