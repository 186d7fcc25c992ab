"""The dashboard's page for what the edge or the router refuses under ``/dashboard`` (an unknown
path, a method no page takes, a form too large, an address or header fields too long, a body
sent in a way the dashboard does not read, the service too busy) and for a month the JSON API
refuses (`signals.api.dashboard`), in the reader's language (Dutch or English), instead of
the API's JSON: installed with
`hub_runtime.edge_pages.add_error_page`, which keeps the refusal's status and sends JSON to
every client that does not ask for HTML."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from hub_runtime.render import escape_html as esc

from signals.api.staff_session import PAGE_HEADERS, language_of, remember_language
from signals.i18n import translations
from signals.i18n.labels import N_
from signals.views_dashboard import layout

SENTENCES: dict[str, str] = {
    "not_found": N_("This page does not exist. Check the address."),
    "method_not_allowed": N_("This page cannot be used this way. Use its links and forms."),
    "payload_too_large": N_("What you sent is too large."),
    "duplicate_field": N_("The form has a field twice. Use the page's own form and send it again."),
    "query_parameter_repeated": N_(
        "The address has the same part twice. Use the dashboard's own links and menus."
    ),
    "uri_too_long": N_("This address is too long."),
    "headers_too_large": N_(
        "Your browser sent too much with this request (often too many cookies)."
        " Delete this site's cookies and try again."
    ),
    "unsupported_media_type": N_("The form was sent in a way the dashboard does not accept."),
    "unsupported_content_encoding": N_("The form was sent in a way the dashboard does not accept."),
    "request_timeout": N_("The form took too long to arrive. Please try again."),
    "overloaded": N_("The dashboard is busy. Please try again in a moment."),
    # A month the dashboard's address asks for and the API refuses (`signals.api.dashboard`).
    "invalid_period": N_("This is not a month the dashboard can show. Choose one from the list."),
    "period_open": N_("This month is not published."),
    "not_published": N_("This month is not published."),
}
"""The sentence for each code the edge or the router gives (English msgids)."""
OTHER = N_("The request was refused.")


def error_page(request: Request, status: int, code: str) -> Response:
    """The page for a refusal ``code`` with ``status`` (`hub_runtime.edge_pages.ErrorPage`):
    its sentence, the code for the council's staff, a link back to the dashboard."""
    language = language_of(request)
    _ = translations(language).gettext
    # The messages outside the f-strings: Babel's extractor does not look inside them.
    sentence = _(SENTENCES.get(code, OTHER))
    for_staff = _("Code for the council:")
    back = _("Back to the dashboard")
    body = (
        f"<p class='error' role='alert'>{esc(sentence)}</p>"
        f"<p>{esc(for_staff)} <code>{esc(code)}</code></p>"
        f"<p><a href='/dashboard'>{esc(back)}</a></p>"
    )
    page = layout(_("Signals dashboard"), body, language, _)
    response = HTMLResponse(page, status_code=status, headers=PAGE_HEADERS)
    remember_language(request, response)
    return response
