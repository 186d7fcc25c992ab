"""Commands from counsellors' tools on `referral.commands.v1`: the Kafka edge of the use cases.

Each command becomes the message of the same use case as its HTTP route (`referral.messages`,
carrying the HTTP body model, so its shape rules apply too) and goes through the same handler
of the route table, inside the command consumer's transaction: the inbox row, the change and
the events it causes commit together, so a re-delivered command changes nothing, and each event
carries the command's envelope id as `causationid` (and its correlation id), so the tool can
find the outcome of its command.

What happens to a command (the runtime's consumer decides, `hub_runtime.consumer`):
- applied: the usual events (ConsentGranted, ReferralApproved, ...). A referral the policy
  refuses is applied too: it is a `ReferralRefused.v3` event, not an error.
- refused (unknown partner, backdated or overlapping consent, a role that may not do it, a
  subject that is not the case id, an unknown consent or referral of the case, ...): a named
  domain error, so the command goes to `referral.commands.v1.dlq` at once with
  ``dlq-error: <code>: <reason>``, and nothing changed.
- for a case the view has not seen yet: `NotYetKnownError` (``case_not_known_yet``), so the
  consumer retries with backoff (casefile's CaseOpened may be on its way) and dead-letters it
  after `REFERRAL_COMMAND_MAX_ATTEMPTS` (then the case is unknown, or casefile is far behind).

Kafka carries no bearer token: the command names the acting staff member and role, and only
the counsellors' tools may write the topic (Kafka ACLs; see the README). Every applied command
leaves a receipt in the same transaction (`command_receipts`): that staff member, the tool
named by the envelope's source (``urn:council-hub:tool:<name>``; another source is refused
``tool_not_named``) and the Kafka principal the ACLs let write the topic.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
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
from hub_runtime.bus import Message
from hub_runtime.consumer import EventHandler
from hub_runtime.errors import ForbiddenError, InvalidError
from hub_runtime.kafka_acls import sole_writer
from pydantic import ValidationError

from referral.bodies import GrantConsent, RequestReferral, ReviewReferral
from referral.deps import Deps
from referral.messages import DecideReview, RecordConsent, ReferCase, WithdrawConsent
from referral.permissions import REVIEWERS, STAFF
from referral.repository.command_receipts import CommandReceipt
from referral.routes import ROUTES

log = logging.getLogger(__name__)

ReferralCommand = (
    GrantConsentCommand | WithdrawConsentCommand | RequestReferralCommand | ReviewReferralCommand
)
B = TypeVar("B", GrantConsent, RequestReferral, ReviewReferral)

COMMAND_TOPICS: tuple[Topic, ...] = (Topic.REFERRAL_COMMANDS,)

COMMAND_GROUP = "referral-commands"
"""The command consumer's group, without the topic prefix (the group it always had)."""

ALLOWED_ROLES: Mapping[type[EventPayload], tuple[Role, ...]] = {
    GrantConsentCommand: STAFF,
    WithdrawConsentCommand: STAFF,
    RequestReferralCommand: STAFF,
    ReviewReferralCommand: REVIEWERS,
}
"""The same table as the HTTP routes' principals (`referral.permissions`)."""


def grant_message(envelope: Envelope, command: GrantConsentCommand) -> RecordConsent:
    """`GrantConsentCommand` -> the message of ``POST /cases/{case_id}/consents``."""
    body = _body(
        GrantConsent,
        {
            "partner_id": command.partner_id,
            "purposes": command.purposes,
            "data_categories": command.data_categories,
            "valid_from": command.valid_from,
            "valid_until": command.valid_until,
            "evidence": command.evidence.model_dump(),
        },
    )
    return RecordConsent(command.case_id, body, caused_by=envelope)


def withdraw_message(envelope: Envelope, command: WithdrawConsentCommand) -> WithdrawConsent:
    """`WithdrawConsentCommand` -> the message of ``POST /consents/{id}/withdraw``."""
    return WithdrawConsent(
        command.consent_id, command.requested_by, of_case=command.case_id, caused_by=envelope
    )


def request_message(envelope: Envelope, command: RequestReferralCommand) -> ReferCase:
    """`RequestReferralCommand` -> the message of ``POST /cases/{case_id}/referrals``."""
    body = _body(
        RequestReferral,
        {
            "partner_id": command.partner_id,
            "purpose": command.purpose,
            "data_categories": command.data_categories,
        },
    )
    return ReferCase(command.case_id, body, command.requested_by, caused_by=envelope)


def review_message(envelope: Envelope, command: ReviewReferralCommand) -> DecideReview:
    """`ReviewReferralCommand` -> the message of ``POST /referrals/{id}/review``. The written
    reason stays in the tool; the review audit keeps where to find it."""
    reason = f"Written reason kept in the counsellors' tool under {command.reason_reference}."
    body = _body(ReviewReferral, {"decision": command.decision.value, "reason": reason})
    return DecideReview(
        command.referral_id,
        body,
        command.requested_by,
        of_case=command.case_id,
        caused_by=envelope,
    )


Translate = Callable[[Envelope, Any], Message[Any]]

TRANSLATIONS: Mapping[str, Translate] = {
    GrantConsentCommand.event_type: grant_message,
    WithdrawConsentCommand.event_type: withdraw_message,
    RequestReferralCommand.event_type: request_message,
    ReviewReferralCommand.event_type: review_message,
}
"""Command type on the topic -> its message (then routed by `routes.ROUTES`)."""


def command_handlers(deps: Deps) -> dict[str, EventHandler]:
    """Command type -> handler, for the command consumer (``handler(uow, envelope, command)``,
    inside the consumer's transaction). Raises what the use case's handler raises, and
    `InvalidError` ``subject_not_case_id`` / ``invalid_command``, `ForbiddenError`
    ``role_not_allowed``."""

    def bound(translate: Translate) -> EventHandler:
        async def handle(uow: Any, envelope: Envelope, command: Any) -> None:
            _check_sender(envelope, command)
            message = translate(envelope, command)
            route = ROUTES.commands[type(message)]
            # The consumer opens the definition's unit of work: a referral `PostgresUnitOfWork`.
            # A `NotYetKnownError` is retried by the consumer (which logs each wait).
            result = await route(message, uow, deps)
            await uow.command_receipts.record(receipt(envelope, command))
            log.info(
                "command applied",
                extra={
                    "event_id": envelope.id,
                    "event_type": envelope.type,
                    "source": envelope.source,
                    "result": None if result is None else str(result),
                },
            )

        return handle

    return {event_type: bound(translate) for event_type, translate in TRANSLATIONS.items()}


TOOL_SOURCE = re.compile(r"urn:council-hub:tool:([a-z0-9][a-z0-9-]{0,62})")
"""A command's envelope ``source``: the tool that sent it, named by a closed slug."""

COMMAND_WRITER = sole_writer(Topic.REFERRAL_COMMANDS)
"""The Kafka principal the ACLs let write the command topic (``User:tools``)."""


def receipt(envelope: Envelope, command: ReferralCommand) -> CommandReceipt:
    """Who asked for an applied command: the staff member the tool asserts, the tool (from
    the envelope's source, checked by `_check_sender`) and the topic's one writer principal."""
    match = TOOL_SOURCE.fullmatch(envelope.source)
    return CommandReceipt(
        command_id=envelope.id,
        command_type=envelope.type,
        case_id=command.case_id,
        staff_login=command.requested_by,
        staff_role=command.role.value,
        tool=match.group(1) if match else "",
        kafka_principal=COMMAND_WRITER,
    )


def _check_sender(envelope: Envelope, command: ReferralCommand) -> None:
    """What the HTTP API learns from the path and the token, checked on the command."""
    if envelope.subject != str(command.case_id):
        # The subject is the Kafka key: one case's commands stay in order only under it.
        raise InvalidError(
            "the envelope's subject must be the command's case id", code="subject_not_case_id"
        )
    if TOOL_SOURCE.fullmatch(envelope.source) is None:
        # Recorded with every applied command; a closed slug, so no free text reaches the
        # audit (docs/privacy-inventory.md).
        raise InvalidError(
            "the envelope's source must name the tool: urn:council-hub:tool:<name>, <name> of"
            " lower-case letters, digits and hyphens (at most 63)",
            code="tool_not_named",
        )
    allowed = ALLOWED_ROLES[type(command)]
    if Role(command.role.value) not in allowed:
        raise ForbiddenError(
            f"role {command.role.value} may not send {type(command).__name__};"
            f" allowed: {', '.join(role.value for role in allowed)}",
            code="role_not_allowed",
        )


def _body(model: type[B], fields: dict[str, Any]) -> B:
    """The HTTP body of the use case; its shape rules apply to the command too."""
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        # Value-free description: the reason lands in a dead-letter header.
        raise InvalidError(
            describe_validation_error(error, whole="the command"), code="invalid_command"
        ) from None
