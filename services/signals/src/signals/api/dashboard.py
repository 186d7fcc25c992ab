"""The advocacy dashboard: sign-in, the released tables with labels and filters, the disclosure
control explained, post-return monitoring, CSV download and the printable report.

Server-rendered pages (`signals.views_dashboard`), in Dutch or English (`signals.i18n`). A
staff member signs in at the council's OpenID Connect provider when ``SIGNALS_OIDC_CLIENT_ID``
is set (`signals.api.dashboard_provider`), else with a local account (`signals.handlers.staff`);
either way the session lives in an HttpOnly cookie (`signals.api.staff_session`); no bearer
token is typed into a page any more. Every figure comes from a stored release through the same
messages as the JSON API, so a filter can only choose among released tables and rows: it cannot
make a new cross-tabulation.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from hub_runtime.errors import DomainError
from hub_runtime.oidc import ProviderUnavailableError
from hub_runtime.render import escape_html as esc
from hub_runtime.staff_pages import new_secret, same_token

from signals.api.common import Bus
from signals.api.dashboard_provider import provider_of
from signals.api.staff_session import (
    PAGE_HEADERS,
    SESSION_COOKIE,
    SIGN_IN_CSRF_COOKIE,
    clear_cookie,
    form_of,
    language_of,
    page_status,
    remember_language,
    session_of,
    set_cookie,
)
from signals.domain.accounts import CurrentSession, NewSession
from signals.errors import TooManySignInsError
from signals.i18n import translations
from signals.i18n.labels import Translate, table_title
from signals.messages import (
    ListPublishedPeriods,
    ListTables,
    ReadRelease,
    ReadTable,
    SignIn,
    SignOut,
)
from signals.views import table_csv
from signals.views_dashboard import (
    axis,
    bar_chart,
    explain_disclosure,
    filter_form,
    layout,
    link,
    monitoring_section,
    sign_in_page,
    sign_out_form,
    table_html,
)
from signals.views_sign_in import provider_sign_in_page

router = APIRouter(prefix="/dashboard", tags=["dashboard"], include_in_schema=False)
SIGN_IN = "/dashboard/sign-in"
DEFAULT_TABLE = "bottlenecks_by_stage"


def _html(request: Request, body: str, status: int = 200, **headers: str) -> HTMLResponse:
    response = HTMLResponse(body, status_code=status, headers={**PAGE_HEADERS, **headers})
    remember_language(request, response)
    return response


def _gettext(request: Request) -> tuple[str, Translate]:
    language = language_of(request)
    return language, translations(language).gettext


async def _sign_in_form(
    request: Request, message: str = "", status: int = 200, **headers: str
) -> Response:
    language, _ = _gettext(request)
    title = _("Sign in to the signals dashboard")
    login = provider_of(request)
    if login is not None:
        logout = None
        if request.query_params.get("signed_out") and not message:
            after = urljoin(login.redirect_uri, SIGN_IN)
            try:
                logout = await login.logout_url(after, ui_locales=language)
            except ProviderUnavailableError:
                logout = None
        page = layout(title, provider_sign_in_page(_, message, logout), language, _)
        return _html(request, page, status, **headers)
    csrf = request.cookies.get(SIGN_IN_CSRF_COOKIE) or new_secret()
    page = layout(title, sign_in_page(_, csrf, message), language, _)
    response = _html(request, page, status, **headers)
    set_cookie(request, response, SIGN_IN_CSRF_COOKIE, csrf)
    return response


@router.get("/sign-in")
async def sign_in_form(request: Request) -> Response:
    """The sign-in page: with the provider set, a link to its sign-in (and, after sign-out, one
    to sign out there too); else the local form (with the double-submit CSRF cookie it echoes).
    """
    return await _sign_in_form(request)


@router.post("/sign-in")
async def sign_in(request: Request, bus: Bus) -> Response:
    """Check the CSRF token, then the credentials: 303 to the dashboard with a new session
    cookie; 403 for a missing or wrong CSRF token, 401 for wrong credentials, 429 with
    ``Retry-After`` past the rate limit (the form again each time, with a sentence)."""
    _language, _ = _gettext(request)
    if provider_of(request) is not None:
        return await _sign_in_form(
            request, _("Local accounts are off: sign in with the council's account."), 403
        )
    form = await form_of(request)
    if not same_token(request.cookies.get(SIGN_IN_CSRF_COOKIE), form.get("csrf_token")):
        return await _sign_in_form(request, _("The form has expired. Please try again."), 403)
    outcome = await bus.dispatch(SignIn(form.get("username", ""), form.get("password", "")))
    if isinstance(outcome, DomainError):
        status = page_status(outcome)
        if isinstance(outcome, TooManySignInsError):
            text = _("Too many failed attempts. Try again in {seconds} seconds.")
            seconds = str(outcome.retry_after)
            return await _sign_in_form(
                request, text.format(seconds=seconds), status, **{"Retry-After": seconds}
            )
        return await _sign_in_form(request, _("The username or the password is wrong."), status)
    assert isinstance(outcome, NewSession)
    response = RedirectResponse("/dashboard", status_code=303, headers=PAGE_HEADERS)
    set_cookie(request, response, SESSION_COOKIE, outcome.token)
    clear_cookie(request, response, SIGN_IN_CSRF_COOKIE)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, bus: Bus) -> Response:
    """End the session (its CSRF token required: 403 without it) and go to the sign-in page
    (RP-initiated logout at the provider is a link there: the provider asks to confirm)."""
    session = await session_of(request, bus)
    form = await form_of(request)
    if session is None:
        return RedirectResponse(SIGN_IN, status_code=303, headers=PAGE_HEADERS)
    if not same_token(session.csrf_token, form.get("csrf_token")):
        language, _ = _gettext(request)
        page = layout(
            _("Forbidden"),
            "<p>" + esc(_("The form has expired. Please try again.")) + "</p>",
            language,
            _,
        )
        return _html(request, page, 403)
    await bus.dispatch(SignOut(request.cookies.get(SESSION_COOKIE, "")))
    # With the provider, the sign-in page then offers to end the provider's session too.
    after = SIGN_IN + "?signed_out=1" if provider_of(request) else SIGN_IN
    response = RedirectResponse(after, status_code=303, headers=PAGE_HEADERS)
    clear_cookie(request, response, SESSION_COOKIE)
    return response


def _problem(request: Request, session: CurrentSession, status: int, sentence: str) -> Response:
    language, _ = _gettext(request)
    header = sign_out_form(_, session.username, session.csrf_token)
    back = "<p><a href='/dashboard'>" + esc(_("Back to the dashboard")) + "</a></p>"
    page = layout(
        _("Signals dashboard"),
        f"<p class='error' role='alert'>{esc(sentence)}</p>{back}",
        language,
        _,
        header,
    )
    return _html(request, page, status)


@router.get("/")
async def with_final_slash() -> RedirectResponse:
    """``/dashboard/`` is the dashboard too: 303 to ``/dashboard``, carrying no query (the
    edge has no trailing-slash redirect, whose ``Location`` copied the query)."""
    return RedirectResponse("/dashboard", status_code=303, headers=PAGE_HEADERS)


@router.get("")
async def dashboard(
    request: Request, bus: Bus, period: str = "", table: str = "", row: str = ""
) -> Response:
    """The dashboard: filters (a published month, an allowed table, a row of its first
    dimension), the table with labels, a chart of its row totals, the disclosure control
    explained, post-return monitoring, and the CSV and report links. 303 to sign-in without a
    session; for a month that is not published, the JSON API's refusal of it (``ReadRelease``:
    422 ``invalid_period`` for a text that is no plausible month, 409 ``period_open``, 404
    ``not_published``; a browser gets the service's page, `signals.api.dashboard_errors`);
    404 for a table that is not released; 400 for a row the table does not have."""
    session = await session_of(request, bus)
    if session is None:
        return RedirectResponse(SIGN_IN, status_code=303, headers=PAGE_HEADERS)
    language, _ = _gettext(request)
    header = sign_out_form(_, session.username, session.csrf_token)
    published = await bus.dispatch(ListPublishedPeriods())
    if not published:
        body = "<p>" + esc(_("No month has been published yet.")) + "</p>"
        return _html(request, layout(_("Signals dashboard"), body, language, _, header))
    chosen_period = period or published[-1].period
    release_tables = next((p.tables for p in published if p.period == chosen_period), None)
    if release_tables is None:
        # The API's own refusal, from the same handler (the sixth trial: a period that is no
        # month answered 404 here and 422 there). It returns only if the month was published
        # in the meantime: then the 404 below, and the list has it on the next load.
        await bus.dispatch(ReadRelease(chosen_period))
        return _problem(request, session, 404, _("This month is not published."))
    allowed = [s.name for s in await bus.dispatch(ListTables()) if s.name in release_tables]
    chosen_table = table or DEFAULT_TABLE
    if chosen_table not in allowed:
        return _problem(
            request, session, 404, _("This table is not published. Choose one from the list.")
        )
    payload = await bus.dispatch(ReadTable(chosen_period, chosen_table))
    rows = [r for r in axis(payload, 0) if r != "total"]
    if row and row not in rows:
        return _problem(
            request, session, 400, _("This row is not in the table. Choose one from the list.")
        )
    shown = [row] if row else None
    monitoring = None
    if "monitoring_outcomes" in release_tables:
        monitoring = await bus.dispatch(ReadTable(chosen_period, "monitoring_outcomes"))
    chosen = {"period": chosen_period, "table": chosen_table, "row": row}
    csv_link = link("/dashboard/table.csv", period=chosen_period, table=chosen_table)
    report_link = link("/dashboard/report", period=chosen_period)
    body = (
        filter_form(
            _, [p.period for p in published], allowed, rows, chosen, payload["dimensions"][0]
        )
        + f"<p><a href='{esc(csv_link)}' download>"
        + esc(_("Download this table (CSV)"))
        + "</a> · "
        + f"<a href='{esc(report_link)}'>"
        + esc(_("Printable report of this month"))
        + "</a></p>"
        + "<section aria-labelledby='chosen'>"
        + f"<h2 id='chosen'>{esc(table_title(chosen_table, _))}, {esc(chosen_period)}</h2>"
        + bar_chart(payload, _, shown)
        + table_html(payload, _, shown)
        + "</section>"
        + explain_disclosure(payload["method"], _)
        + monitoring_section(monitoring, _)
    )
    return _html(request, layout(_("Signals dashboard"), body, language, _, header))


@router.get("/table.csv")
async def table_csv_download(request: Request, bus: Bus, period: str, table: str) -> Response:
    """The released table as CSV, byte for byte what ``GET /signals/periods/{period}/tables/
    {table}.csv`` serves (codes, not labels: for spreadsheets and scripts). 303 to sign-in
    without a session; the JSON API's refusals (404, 409, 422) otherwise."""
    session = await session_of(request, bus)
    if session is None:
        return RedirectResponse(SIGN_IN, status_code=303, headers=PAGE_HEADERS)
    payload = await bus.dispatch(ReadTable(period, table))
    # Both names are checked by now (an allowed table, a plausible period): safe in a header.
    disposition = f'attachment; filename="{period}_{table}.csv"'
    headers = {"Content-Disposition": disposition, "Cache-Control": "no-store"}
    return PlainTextResponse(table_csv(payload), media_type="text/csv", headers=headers)


@router.get("/report")
async def report(request: Request, bus: Bus, period: str) -> Response:
    """The printable report of a published month: every table with labels, the disclosure
    control explained, monitoring first (print stylesheet: A4 landscape, no navigation)."""
    session = await session_of(request, bus)
    if session is None:
        return RedirectResponse(SIGN_IN, status_code=303, headers=PAGE_HEADERS)
    language, _ = _gettext(request)
    release: dict[str, Any] = await bus.dispatch(ReadRelease(period))
    method = next(iter(release.values()))["method"] if release else {}
    monitoring = release.get("monitoring_outcomes")
    tables = "".join(
        f"<section>{table_html(release[name], _)}</section>"
        for name in sorted(release)
        if name != "monitoring_outcomes"
    )
    body = (
        "<p class='noprint'>"
        + esc(_("Use your browser to print this page (Ctrl+P)."))
        + "</p>"
        + explain_disclosure(method, _)
        + monitoring_section(monitoring, _)
        + tables
    )
    header = sign_out_form(_, session.username, session.csrf_token)
    title = _("Signals report {period}").format(period=period)
    return _html(request, layout(title, body, language, _, header))
