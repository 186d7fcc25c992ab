"""Error pages for people under a service's page prefix (`hub_runtime.edge_pages`): what the
edge and the router refuse there answers a browser the service's page, with the status and the
headers a client acts on; API clients and other paths keep the hub's JSON shape. A second new
user's trial found JSON under the portal's and the dashboard's paths."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from hub_runtime.edge_limits import MAX_HEADER_BYTES, MAX_TARGET_BYTES
from hub_runtime.edge_pages import add_error_page, wants_a_page
from hub_runtime.http import create_app

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
SHAPE = {"error", "detail", "reasons"}


def _page(request: Request, status: int, code: str) -> Response:
    # The service's own page: it sees the status and the code, never the refusal's sentence.
    return HTMLResponse(f"<p>page {status} {code} {request.url.path}</p>", status_code=200)


def _app() -> FastAPI:
    app = create_app(service="t", title="t", description="", max_body_bytes=1024, readiness={})

    @app.get("/pages/known")
    async def known() -> HTMLResponse:
        return HTMLResponse("<p>known</p>")

    @app.post("/pages/form")
    async def form(request: Request) -> HTMLResponse:
        return HTMLResponse("<p>sent</p>")

    @app.get("/api/things")
    async def things() -> dict[str, Any]:
        return {"items": []}

    add_error_page(app, "/pages/", _page)
    return app


async def _ask(method: str, path: str, **kwargs: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.request(method, path, **kwargs)


def _is_page(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html"), response.text
    assert f"page {status} {code}" in response.text


def _is_json(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert set(response.json()) == SHAPE
    assert response.json()["error"] == code


@pytest.mark.parametrize("path", ["/pages/nothing-here", "/pages/known/deeper", "/pages"])
async def test_an_unknown_page_is_the_services_404_page(path: str) -> None:
    _is_page(await _ask("GET", path, headers=BROWSER), 404, "not_found")


async def test_a_method_the_page_does_not_take_is_a_405_page_with_allow() -> None:
    response = await _ask("DELETE", "/pages/known", headers=BROWSER)
    _is_page(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET, HEAD"  # HEAD runs as GET on every GET route


async def test_the_edge_limits_are_pages_too() -> None:
    big = await _ask("POST", "/pages/form", content=b"a=" + b"x" * 2000, headers=BROWSER)
    _is_page(big, 413, "payload_too_large")
    long_target = "/pages/known?q=" + "x" * MAX_TARGET_BYTES
    _is_page(await _ask("GET", long_target, headers=BROWSER), 414, "uri_too_long")
    fat = {**BROWSER, "x-filler": "a" * (MAX_HEADER_BYTES + 1)}
    _is_page(await _ask("GET", "/pages/known", headers=fat), 431, "headers_too_large")
    coded = {**BROWSER, "content-encoding": "gzip", "content-type": "application/json"}
    response = await _ask("POST", "/pages/form", content=b"{}", headers=coded)
    _is_page(response, 415, "unsupported_content_encoding")
    assert response.headers["accept-encoding"] == "identity"


async def test_head_gets_the_pages_status_and_headers_without_a_body() -> None:
    response = await _ask("HEAD", "/pages/nothing-here", headers=BROWSER)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert response.content == b""


@pytest.mark.parametrize(
    "accept", [None, "application/json", "*/*", "text/html;q=0, application/json"]
)
async def test_a_client_that_does_not_ask_for_html_keeps_the_json(accept: str | None) -> None:
    headers = {"accept": accept} if accept else {}
    _is_json(await _ask("GET", "/pages/nothing-here", headers=headers), 404, "not_found")


async def test_api_paths_keep_the_json_for_browsers_too() -> None:
    _is_json(await _ask("GET", "/api/nothing-here", headers=BROWSER), 404, "not_found")
    _is_json(await _ask("GET", "/pagesx", headers=BROWSER), 404, "not_found")
    _is_json(await _ask("DELETE", "/api/things", headers=BROWSER), 405, "method_not_allowed")


async def test_pages_that_answer_are_untouched() -> None:
    response = await _ask("GET", "/pages/known", headers=BROWSER)
    assert response.status_code == 200
    assert response.text == "<p>known</p>"


@pytest.mark.parametrize(
    ("accept", "page"),
    [
        ("text/html", True),
        ("TEXT/HTML; charset=utf-8", True),
        ("application/xhtml+xml;q=0.5", True),
        ("text/html;q=0.0", False),
        ("text/plain, */*", False),
    ],
)
def test_a_browser_is_told_by_its_accept(accept: str, page: bool) -> None:
    scope = {"type": "http", "headers": [(b"accept", accept.encode())]}
    assert wants_a_page(scope) is page
