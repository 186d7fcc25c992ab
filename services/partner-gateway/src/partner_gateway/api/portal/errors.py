"""A refusal as a page: the hub's status and code, a sentence in the reader's language."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse
from hub_runtime.errors import DomainError
from hub_runtime.http import status_of

from partner_gateway.api.portal import labels
from partner_gateway.api.portal.render import Portal
from partner_gateway.messages import StaffSession


def sentence(code: str, status: int) -> str:
    """The (untranslated) sentence for a refusal's code, else for its status."""
    if code in labels.ERROR:
        return labels.ERROR[code]
    if status == 410:
        return labels.GONE
    if status == 403:
        return labels.REFUSED
    return labels.GENERIC


def message_page(
    portal: Portal,
    request: Request,
    code: str,
    status: int,
    staff: StaffSession | None,
) -> HTMLResponse:
    """The message page for ``code`` with ``status``."""
    return portal.page(
        request,
        "message.html",
        staff=staff,
        status=status,
        error=sentence(code, status),
        code=code,
    )


def error_page(
    portal: Portal,
    request: Request,
    refused: DomainError,
    staff: StaffSession | None,
) -> HTMLResponse:
    """A domain error as the message page, with the status the API would answer."""
    return message_page(portal, request, refused.code, status_of(refused), staff)
