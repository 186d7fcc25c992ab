"""A refusal as a page: the hub's status and code, a sentence in the reader's language."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from hub_runtime.edge_pages import ErrorPage
from hub_runtime.errors import DomainError
from hub_runtime.http import headers_of, status_of

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
    """A domain error as the message page, with the status and header fields (a 503's
    ``Retry-After``) the API would answer."""
    page = message_page(portal, request, refused.code, status_of(refused), staff)
    page.headers.update(headers_of(refused))
    return page


def edge_page(portal: Portal) -> ErrorPage:
    """The message page, in the reader's language, for a refusal of the edge or the router
    under ``/portal`` (`hub_runtime.edge_pages`): an unknown path (404 ``page_not_found``),
    a method no page takes (405), a form too large (413), an address or header fields too long
    (414, 431), a body sent in a way the portal does not read (415), the gateway too busy
    (503); the same status as the API's JSON answer."""

    def page(request: Request, status: int, code: str) -> Response:
        # The router's 404 is a path no page has, not a referral that is not the partner's.
        shown = "page_not_found" if code == "not_found" else code
        return message_page(portal, request, shown, status, None)

    return page


def page_route(portal: Portal) -> type[APIRoute]:
    """The route class of every portal route: what FastAPI's validation refuses answers the
    message page in the reader's language, never the API's JSON 422 (a portal page is read by a
    person in a browser). A path parameter that is not valid (``/portal/referrals/not-a-uuid``)
    names nothing that can exist: 404 ``not_found``, as for an id that is not the partner's;
    any other parameter: 422 ``form_invalid``. Nothing of the input is shown."""

    class PortalRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handle = super().get_route_handler()

            async def page_when_invalid(request: Request) -> Response:
                try:
                    return await handle(request)
                except RequestValidationError as invalid:
                    in_path = any(
                        tuple(e.get("loc", ()))[:1] == ("path",) for e in invalid.errors()
                    )
                    if in_path:
                        return message_page(portal, request, "not_found", 404, None)
                    return message_page(portal, request, "form_invalid", 422, None)

            return page_when_invalid

    return PortalRoute
