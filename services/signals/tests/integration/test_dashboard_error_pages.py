"""What the edge and the router refuse under ``/dashboard`` answers a browser the dashboard's
page in the reader's language, with the refusal's status (a second new user's trial got JSON
for an unknown dashboard path, a 405 and the 413/414/431 limits); the JSON API and clients that
do not ask for HTML keep the hub's JSON (`hub_runtime.edge_pages`). On the running service,
over a real socket."""

from __future__ import annotations

import gzip

import httpx
import pytest
from hub_runtime.edge_limits import MAX_HEADER_BYTES, MAX_TARGET_BYTES
from hub_runtime.render import escape_html
from hub_runtime.service import ServiceRuntime
from hub_runtime.staff_pages import MAX_FORM_FIELDS
from signals.api.dashboard_errors import SENTENCES
from signals.i18n import translations

pytestmark = pytest.mark.integration

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
DUTCH = {"Accept": BROWSER, "Accept-Language": "nl-NL,nl;q=0.9"}
ENGLISH = {"Accept": BROWSER, "Accept-Language": "en-GB,en;q=0.9"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def test_edge_refusals_under_the_dashboard_are_its_page(
    signals_service: ServiceRuntime,
) -> None:
    async with httpx.AsyncClient(base_url=signals_service.base_url, timeout=30) as http:
        cases = [
            (await http.get("/dashboard/no-such-page", headers=DUTCH), 404, "not_found", "nl"),
            (await http.delete("/dashboard", headers=ENGLISH), 405, "method_not_allowed", "en"),
            (
                await http.post(
                    "/dashboard/sign-in", content=b"x=" + b"a" * 200_000, headers={**DUTCH, **FORM}
                ),
                413,
                "payload_too_large",
                "nl",
            ),
            (  # the fourth trial: more fields than a form has was "the form has expired"
                await http.post(
                    "/dashboard/sign-in",
                    content="&".join(f"f{i}=x" for i in range(MAX_FORM_FIELDS + 1)).encode(),
                    headers={**DUTCH, **FORM},
                ),
                413,
                "payload_too_large",
                "nl",
            ),
            (
                await http.get("/dashboard?period=" + "1" * MAX_TARGET_BYTES, headers=DUTCH),
                414,
                "uri_too_long",
                "nl",
            ),
            (
                await http.get(
                    "/dashboard", headers={**ENGLISH, "X-Filler": "a" * (MAX_HEADER_BYTES + 1)}
                ),
                431,
                "headers_too_large",
                "en",
            ),
            (
                await http.post(
                    "/dashboard/sign-in",
                    content=gzip.compress(b"username=anna&password=x"),
                    headers={**DUTCH, **FORM, "Content-Encoding": "gzip"},
                ),
                415,
                "unsupported_content_encoding",
                "nl",
            ),
            (  # the eighth trial: the dashboard read the last of two months
                await http.get("/dashboard?period=2026-10&period=2026-11", headers=DUTCH),
                400,
                "query_parameter_repeated",
                "nl",
            ),
            (  # the fifth trial: JSON to the sign-in form was "the form has expired" (403)
                await http.post(
                    "/dashboard/sign-in",
                    json={"username": "zara.probe", "password": "x"},
                    headers=DUTCH,
                ),
                415,
                "unsupported_media_type",
                "nl",
            ),
        ]
        for answer, status, code, language in cases:
            assert answer.status_code == status, (code, answer.text[:300])
            assert answer.headers["content-type"].startswith("text/html"), answer.text[:300]
            assert f"<html lang='{language}'" in answer.text, code
            sentence = translations(language).gettext(SENTENCES[code])
            assert escape_html(sentence) in answer.text, (code, answer.text)
            assert answer.headers["cache-control"] == "no-store", code
        assert "2026-1" not in cases[-2][0].text  # the values are not shown
        assert "Deze pagina bestaat niet" in cases[0][0].text  # Dutch indeed
        assert cases[1][0].headers["allow"]


async def test_the_api_and_clients_not_asking_for_html_keep_the_json(
    signals_service: ServiceRuntime,
) -> None:
    async with httpx.AsyncClient(base_url=signals_service.base_url, timeout=30) as http:
        for answer in (
            await http.get("/signals/no-such-route", headers=DUTCH),
            await http.get("/dashboard/no-such-page"),  # httpx sends */*
            await http.get("/dashboard/no-such-page", headers={"Accept": "application/json"}),
        ):
            assert answer.status_code == 404, answer.text
            assert answer.json()["error"] == "not_found", answer.text


@pytest.mark.parametrize("path", ["/dashboard/sign-in", "/dashboard/sign-out"])
async def test_json_sent_to_a_form_is_415_not_an_expired_form(
    signals_service: ServiceRuntime, path: str
) -> None:
    """The fifth new user's trial: JSON posted to the sign-in form got the "form has expired"
    403 page; it is a body the form does not read."""
    async with httpx.AsyncClient(base_url=signals_service.base_url, timeout=30) as http:
        await http.get("/dashboard/sign-in")  # the CSRF cookie, as a browser has it
        answer = await http.post(path, json={"username": "zara.probe", "password": "x"})
        assert answer.status_code == 415, answer.text
        assert answer.json()["error"] == "unsupported_media_type"
        assert "zara" not in answer.text
