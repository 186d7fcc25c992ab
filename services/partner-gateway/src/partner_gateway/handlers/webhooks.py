"""Registering or rotating a partner's webhook (admin)."""

from __future__ import annotations

import secrets as random
from datetime import UTC, datetime

from hub_runtime.errors import ConflictError, InvalidError

from partner_gateway import webhook_target
from partner_gateway.deps import Deps
from partner_gateway.domain.policy import is_origin_authority
from partner_gateway.domain.signing import secret_from_bytes
from partner_gateway.domain.webhook_url import WebhookUrlRefusedError
from partner_gateway.gates import OriginAuthorityRefusedError
from partner_gateway.messages import RegisterWebhook, WebhookSet
from partner_gateway.unit_of_work import GatewayUnitOfWork


async def register_webhook(
    message: RegisterWebhook, uow: GatewayUnitOfWork, deps: Deps
) -> WebhookSet:
    """Set the partner's endpoint and a new signing secret; the previous one signs on for
    ``deps.credential_overlap`` (Standard Webhooks allows several signatures, so the partner
    switches without missing a message).

    Raises `InvalidError` when the URL breaks a rule of `domain.webhook_url` (OWASP SSRF
    prevention: https, no userinfo, global addresses only outside development; no fragment,
    at most 2,048 characters; no empty host label, no port 0; the URL and the text the admin
    wrote, ``message.written``; its code names the rule, its one reason is a fixed
    ``url: ...`` sentence of `domain.webhook_url.REASONS`, never a part of the URL),
    `ConflictError` when the partner is unknown (``unknown_partner``) or inactive
    (``partner_inactive``),
    `OriginAuthorityRefusedError` (403) for an origin-country authority now or ever."""
    try:
        await webhook_target.check(
            message.url, development=deps.development, written=message.written
        )
    except WebhookUrlRefusedError as refused:
        raise InvalidError(refused.reason, code=refused.code, reasons=refused.reasons) from None
    partner = await uow.partners.get(message.partner_id)
    if partner is None:
        raise ConflictError(
            "the partner is not in the directory (PartnerRegistered not seen yet)",
            code="unknown_partner",
        )
    if is_origin_authority(partner):
        raise OriginAuthorityRefusedError()
    if not partner.active:
        raise ConflictError("the partner is no longer active", code="partner_inactive")
    previous = await uow.partners.current_secret(message.partner_id)
    secret = secret_from_bytes(random.token_bytes(32))
    # Real time, as the database compares promised ends (``valid_until > now()``).
    until = datetime.now(UTC) + deps.credential_overlap if previous else None
    await uow.partners.set_webhook(message.partner_id, message.url, secret, previous, until)
    return WebhookSet(secret=secret, previous_secret_valid_until=until)
