"""The advocacy dashboard on the real stack (PostgreSQL, Kafka, the service's HTTP edge): staff
accounts, sessions and their cookies, CSRF, the sign-in rate limit, the idle timeout, filters
that can only show released cells, and the CSV equal to the released table."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx
import pytest
from hub_runtime.auth import Role
from hub_runtime.render import escape_html
from hub_runtime.service import ServiceRuntime
from hub_runtime.settings import HubSettings
from hub_runtime.testing import postgres_log
from signals.api.dashboard_errors import SENTENCES
from signals.i18n import translations
from signals.views import table_csv

from .conftest import bearer
from .dashboard_seed import PASSWORD, create_account, seed_and_publish

pytestmark = pytest.mark.integration


@pytest.fixture
async def published(isolated_hub: HubSettings, signals_service: ServiceRuntime) -> ServiceRuntime:
    await seed_and_publish(isolated_hub, signals_service)
    await create_account(isolated_hub, signals_service, "anna")
    return signals_service


@pytest.fixture
async def browser(published: ServiceRuntime) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=published.base_url) as client:
        yield client


def csrf_in(page: str) -> str:
    found = re.search(r"name='csrf_token' value='([^']+)'", page)
    assert found, page
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, password: str = PASSWORD) -> httpx.Response:
    form = await client.get("/dashboard/sign-in")
    return await client.post(
        "/dashboard/sign-in",
        data={"csrf_token": csrf_in(form.text), "username": "anna", "password": password},
    )


def cell_texts(page: str, table: str) -> list[str]:
    """The data cells of the page's table ``table``, in order (numbers or "withheld")."""
    found = re.search(rf"<table data-table='{table}'>(.*?)</table>", page, re.S)
    assert found, page
    return re.findall(r"<td[^>]*>([^<]*)</td>", found.group(1))


async def test_accounts_are_created_by_admins_only(
    isolated_hub: HubSettings, published: ServiceRuntime
) -> None:
    async with httpx.AsyncClient(base_url=published.base_url) as client:
        body = {"username": "bert", "password": PASSWORD, "role": "advocacy"}
        assert (await client.post("/admin/staff", json=body)).status_code == 401
        advocacy = bearer(isolated_hub, Role.ADVOCACY)
        assert (await client.post("/admin/staff", json=body, headers=advocacy)).status_code == 403
        admin = bearer(isolated_hub, Role.ADMIN)
        again = await client.post("/admin/staff", json={**body, "username": "anna"}, headers=admin)
        assert again.status_code == 409
        assert again.json()["error"] == "account_exists"
        weak = await client.post("/admin/staff", json={**body, "password": "short"}, headers=admin)
        assert weak.status_code == 422
        # the seventh trial: "password: should have at most 128 items"
        long = await client.post(
            "/admin/staff", json={**body, "password": "p" * 129}, headers=admin
        )
        assert long.status_code == 422
        assert long.json()["reasons"] == ["password: should have at most 128 characters"]
        hashes = await published.context.pool.fetch("SELECT password_hash FROM staff_accounts")
    assert [h["password_hash"][:10] for h in hashes] == ["$argon2id$"]


async def test_a_taken_username_stays_out_of_the_database_server_s_log(
    isolated_hub: HubSettings, published: ServiceRuntime
) -> None:
    """The sixth new user's trial: a second account of one username was a unique violation,
    which PostgreSQL logged with the username (``DETAIL: Key (username)=(...)``). It is no
    error now, and the stack's server leaves an error's DETAIL out anyway."""
    log = postgres_log()
    start = log.stat().st_size
    marker = "fatima.haddad"
    body = {"username": marker, "password": PASSWORD, "role": "advocacy"}
    async with httpx.AsyncClient(base_url=published.base_url) as client:
        admin = bearer(isolated_hub, Role.ADMIN)
        assert (await client.post("/admin/staff", json=body, headers=admin)).status_code == 201
        again = await client.post("/admin/staff", json=body, headers=admin)
        assert again.status_code == 409
        assert again.json()["error"] == "account_exists"
    with log.open("rb") as server_log:
        server_log.seek(start)
        written = server_log.read().decode(errors="replace")
    assert marker not in written
    assert "staff_accounts_username_key" not in written  # no violation: nothing to log


async def test_sign_in_sets_a_strict_http_only_session_cookie(browser: httpx.AsyncClient) -> None:
    assert (await browser.get("/dashboard")).headers["location"] == "/dashboard/sign-in"
    answer = await sign_in(browser)
    assert answer.status_code == 303, answer.text
    cookie = next(
        c for c in answer.headers.get_list("set-cookie") if c.startswith("signals_session=")
    )
    attributes = {a.strip().lower() for a in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/dashboard"} <= attributes
    assert "secure" not in attributes  # development (plain HTTP on loopback) only
    page = await browser.get("/dashboard", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "Signed in as anna" in page.text


async def test_a_sign_in_without_the_csrf_token_is_forbidden(browser: httpx.AsyncClient) -> None:
    await browser.get("/dashboard/sign-in")
    answer = await browser.post(
        "/dashboard/sign-in",
        data={"csrf_token": "guessed", "username": "anna", "password": PASSWORD},
    )
    assert answer.status_code == 403
    # not ASCII: a constant-time comparison of str would raise (a 500), not refuse
    odd = await browser.post(
        "/dashboard/sign-in", data={"csrf_token": "é", "username": "anna", "password": PASSWORD}
    )
    assert odd.status_code == 403
    crowded = {f"f{i}": "x" for i in range(50)}
    signed = await browser.get("/dashboard/sign-in")
    assert signed.status_code == 200
    csrf = browser.cookies["signals_sign_in_csrf"]
    crowded.update(csrf_token=csrf, username="anna", password=PASSWORD)
    refused = await browser.post("/dashboard/sign-in", data=crowded)
    # too large (it was "the form has expired", 403, with the right token), and no session
    assert (refused.status_code, refused.json()["error"]) == (413, "payload_too_large")
    assert "signals_session" not in browser.cookies


async def test_a_sign_in_with_a_field_twice_signs_nobody_in(browser: httpx.AsyncClient) -> None:
    """The fifth trial: ``csrf_token=<valid>&csrf_token=zzz`` and ``username=anna&username=
    nobody`` signed anna in (the first value won). Any field twice is 400 ``duplicate_field``,
    the dashboard's page in the reader's language, quoting no value."""
    assert (await browser.get("/dashboard/sign-in")).status_code == 200
    right = [
        ("csrf_token", browser.cookies["signals_sign_in_csrf"]),
        ("username", "anna"),
        ("password", PASSWORD),
    ]
    dutch = {
        "Accept": "text/html",
        "Accept-Language": "nl",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    sentence = translations("nl").gettext(SENTENCES["duplicate_field"])
    for extra in [("csrf_token", "zzz"), ("username", "Zara"), ("password", "Zara")]:
        body = urlencode([*right, extra])
        answer = await browser.post("/dashboard/sign-in", content=body, headers=dutch)
        assert answer.status_code == 400, (extra, answer.text[:300])
        assert escape_html(sentence) in answer.text
        assert "zzz" not in answer.text
        assert "zara" not in answer.text.lower()
        assert "signals_session" not in browser.cookies
    body = urlencode([*right, ("username", "Zara")])
    as_json = await browser.post(
        "/dashboard/sign-in", content=body, headers={"Content-Type": dutch["Content-Type"]}
    )
    assert as_json.json()["error"] == "duplicate_field"
    assert (await browser.post("/dashboard/sign-in", data=dict(right))).status_code == 303


async def test_sign_in_is_rate_limited_per_username(browser: httpx.AsyncClient) -> None:
    for _ in range(5):
        assert (await sign_in(browser, "not the password")).status_code == 401
    limited = await sign_in(browser)  # the right password, too late
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 15 * 60 + 1
    assert "signals_session" not in browser.cookies


async def test_sign_out_needs_the_session_csrf_token_and_ends_it(
    browser: httpx.AsyncClient,
) -> None:
    await sign_in(browser)
    page = await browser.get("/dashboard")
    assert (await browser.post("/dashboard/sign-out", data={"csrf_token": "x"})).status_code == 403
    assert (await browser.post("/dashboard/sign-out", data={"csrf_token": "é"})).status_code == 403
    assert (await browser.get("/dashboard")).status_code == 200
    out = await browser.post("/dashboard/sign-out", data={"csrf_token": csrf_in(page.text)})
    assert out.status_code == 303
    assert (await browser.get("/dashboard")).status_code == 303


async def test_an_idle_session_ends(browser: httpx.AsyncClient, published: ServiceRuntime) -> None:
    await sign_in(browser)
    assert (await browser.get("/dashboard")).status_code == 200
    await published.context.pool.execute(
        "UPDATE staff_sessions SET last_seen_at = now() - interval '31 minutes'"
    )
    assert (await browser.get("/dashboard")).headers["location"] == "/dashboard/sign-in"
    assert await published.context.pool.fetchval("SELECT count(*) FROM staff_sessions") == 0


async def test_the_page_shows_labels_and_withheld_cells_in_dutch_by_default(
    browser: httpx.AsyncClient,
) -> None:
    await sign_in(browser)
    page = (await browser.get("/dashboard?period=2025-01&table=bottlenecks_by_region")).text
    assert "<html lang='nl'>" in page
    assert "Opvang beëindigd: op straat" in page
    assert "reception_ended_street<" not in page  # a code is never shown as a label
    assert "achtergehouden" in page  # the 3 persons of forced_relocation
    assert "veelvoud van 5" in page
    assert "minder dan 10 personen" in page
    assert "Monitoring na terugkeer" in page
    english = (await browser.get("/dashboard?lang=en")).text
    assert "Reception ended: on the street" in english
    assert "<html lang='en'>" in (await browser.get("/dashboard")).text  # the choice is kept


async def test_filters_show_only_released_cells(
    isolated_hub: HubSettings, browser: httpx.AsyncClient
) -> None:
    await sign_in(browser)
    async with httpx.AsyncClient(base_url=str(browser.base_url)) as api:
        released = (
            await api.get(
                "/signals/periods/2025-01/tables/bottlenecks_by_region",
                headers=bearer(isolated_hub, Role.ADVOCACY),
            )
        ).json()
    page = (
        await browser.get(
            "/dashboard?period=2025-01&table=bottlenecks_by_region&row=reception_ended_street"
        )
    ).text
    cells = {
        (c["coordinates"]["category"], c["coordinates"]["region"]): c for c in released["cells"]
    }
    regions = list(dict.fromkeys(r for _, r in cells))
    regions = [r for r in regions if r != "total"] + ["total"]
    expected = [
        "achtergehouden"
        if cells[("reception_ended_street", r)]["suppressed"]
        else str(cells[("reception_ended_street", r)]["count"])
        for r in regions
    ]
    assert cell_texts(page, "bottlenecks_by_region") == expected
    assert "20" in expected  # the released count of the row, rounded to 5
    # Anything that is not a released table, row or month is refused, never computed.
    unreleased = [
        ("period=2025-01&table=bottlenecks_by_country", 404),  # not allowed by the settings
        ("period=2025-01&table=category,region", 404),
        ("period=2024-12", 404),
        ("period=2025-01&table=bottlenecks_by_region&row=noord", 400),
        ("period=2025-01&table=bottlenecks_by_region&row=total%2Cnoord", 400),
    ]
    for query, status in unreleased:
        assert (await browser.get(f"/dashboard?{query}")).status_code == status, query
    # An extra parameter (a cross-tabulation the API would refuse) changes nothing.
    plain = await browser.get("/dashboard?period=2025-01&table=bottlenecks_by_region")
    extra = await browser.get(
        "/dashboard?period=2025-01&table=bottlenecks_by_region&dimensions=region,stage"
    )
    assert cell_texts(plain.text, "bottlenecks_by_region") == cell_texts(
        extra.text, "bottlenecks_by_region"
    )


async def test_a_month_the_api_refuses_gets_the_apis_code_as_the_services_page(
    isolated_hub: HubSettings, browser: httpx.AsyncClient
) -> None:
    """The sixth trial: ``?period=<not a month>`` answered 404 ("not published") where the
    API answers 422 ``invalid_period``. Now the page answers the API's status and code for
    every month it refuses (the same handler), as the service's page for a browser, in its
    language; the text typed is never shown."""
    await sign_in(browser)
    current = datetime.now(UTC).strftime("%Y-%m")
    periods = ["QxHaddad", "2025-13", "1999-12", "2099-01", "2025-1", "2024-12", current]
    advocacy = bearer(isolated_hub, Role.ADVOCACY)
    html = {"Accept": "text/html", "Accept-Language": "nl"}
    dutch = translations("nl").gettext
    for period in periods:
        api = await browser.get(
            f"/signals/periods/{period}/tables/bottlenecks_by_stage", headers=advocacy
        )
        as_json = await browser.get("/dashboard", params={"period": period})
        page = await browser.get("/dashboard", params={"period": period}, headers=html)
        assert (as_json.status_code, page.status_code) == (api.status_code,) * 2, period
        assert as_json.json()["error"] == api.json()["error"], period
        assert page.headers["content-type"].startswith("text/html")
        sentence = escape_html(dutch(SENTENCES[api.json()["error"]]))
        assert sentence in page.text, (period, page.text)
        assert "Haddad" not in page.text
    statuses = {
        p: (await browser.get("/dashboard", params={"period": p})).status_code for p in periods
    }
    assert statuses == {p: 422 for p in periods[:5]} | {"2024-12": 404, current: 409}


async def test_the_csv_is_the_released_table(
    isolated_hub: HubSettings, browser: httpx.AsyncClient
) -> None:
    path = "/dashboard/table.csv?period=2025-01&table=bottlenecks_by_stage"
    assert (await browser.get(path)).status_code == 303  # no session, no data
    await sign_in(browser)
    download = await browser.get(path)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    advocacy = bearer(isolated_hub, Role.ADVOCACY)
    api = "/signals/periods/2025-01/tables/bottlenecks_by_stage"
    released = (await browser.get(api, headers=advocacy)).json()
    assert download.text == table_csv(released)
    assert download.text == (await browser.get(f"{api}.csv", headers=advocacy)).text
    assert ",true\n" in download.text  # the withheld cells are in it, as withheld


async def test_the_printable_report_has_every_table_and_a_print_stylesheet(
    browser: httpx.AsyncClient,
) -> None:
    await sign_in(browser)
    report = (await browser.get("/dashboard/report?period=2025-01&lang=en")).text
    assert "@media print" in report
    for table in ("bottlenecks_by_stage", "monitoring_outcomes", "refusals_by_reason"):
        assert f"data-table='{table}'" in report
    assert "Post-return monitoring" in report


async def test_no_dashboard_page_echoes_the_address(browser: httpx.AsyncClient) -> None:
    """Fifth trial (privacy): a name typed into the address, in the path or the query, is in
    no page, signed in or not (the language link is ``?lang=``, relative to the page)."""
    marker = "QxHaddad"
    html = {"Accept": "text/html", "Accept-Language": "en"}
    pages = [
        await browser.get(f"/dashboard/Fatima%20{marker}?x={marker}", headers=html),
        await browser.get(f"/dashboard/sign-in?username={marker}&lang={marker}", headers=html),
    ]
    assert (await sign_in(browser)).status_code == 303
    for query in [f"x={marker}", f"period={marker}", f"table={marker}", f"row={marker}"]:
        pages.append(await browser.get(f"/dashboard?{query}", headers=html))
    pages.append(await browser.get(f"/dashboard/report?period={marker}", headers=html))
    assert [p.status_code for p in pages][:3] == [404, 200, 200]
    for page in pages:
        assert marker.lower() not in page.text.lower(), (str(page.url), page.text)
