"""Staff pages' session machinery (`hub_runtime.staff_pages`): cookie attributes, secrets, the
CSRF token check and the page headers."""

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response
from hub_runtime.edge import FORM_ONLY
from hub_runtime.http import create_app
from hub_runtime.staff_pages import (
    PageCookies,
    form_fields,
    new_secret,
    page_headers,
    same_token,
)


def _app(cookies: PageCookies) -> FastAPI:
    app = FastAPI()

    @app.get("/pages/set")
    async def set_one() -> Response:
        response = Response("ok")
        cookies.set(response, "session", "v")
        cookies.set(response, "flow", "f", max_age=600, samesite="lax")
        return response

    @app.get("/pages/clear")
    async def clear_one() -> Response:
        response = Response("ok")
        cookies.clear(response, "session")
        return response

    return app


async def _set_cookies(cookies: PageCookies, path: str) -> dict[str, set[str]]:
    transport = httpx.ASGITransport(app=_app(cookies))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answer = await client.get(path)
    out: dict[str, set[str]] = {}
    for header in answer.headers.get_list("set-cookie"):
        first, *attributes = (part.strip() for part in header.split(";"))
        out[first.split("=")[0]] = {a.lower() for a in attributes}
    return out


@pytest.mark.parametrize("secure", [True, False])
async def test_cookies_are_httponly_strict_on_their_path_and_secure_outside_development(
    secure: bool,
) -> None:
    found = await _set_cookies(PageCookies("/pages", secure), "/pages/set")
    assert {"httponly", "samesite=strict", "path=/pages"} <= found["session"]
    assert not any(a.startswith("max-age") for a in found["session"])
    assert {"httponly", "samesite=lax", "path=/pages", "max-age=600"} <= found["flow"]
    assert ("secure" in found["session"]) is secure
    assert ("secure" in found["flow"]) is secure


async def test_clearing_expires_the_cookie_on_its_path() -> None:
    found = await _set_cookies(PageCookies("/pages", True), "/pages/clear")
    assert {"httponly", "samesite=strict", "path=/pages", "secure", "max-age=0"} <= found["session"]


def test_secrets_are_256_random_bits_url_safe() -> None:
    values = {new_secret() for _ in range(100)}
    assert len(values) == 100
    assert all(len(v) == 43 and v.replace("-", "").replace("_", "").isalnum() for v in values)


@pytest.mark.parametrize(
    ("expected", "given", "same"),
    [
        ("abc", "abc", True),
        ("abc", "abd", False),
        ("abc", "ab", False),
        (None, None, False),
        ("", "", False),
        ("abc", None, False),
        (None, "abc", False),
        ("abc", "é", False),  # not ASCII: hmac.compare_digest on str would raise TypeError
        ("é", "é", True),
    ],
)
def test_same_token(expected: str | None, given: str | None, same: bool) -> None:
    assert same_token(expected, given) is same


def test_page_headers_allow_no_script_and_store_nothing() -> None:
    headers = page_headers("'self'")
    assert headers["cache-control"] == "no-store"
    policy = [d.strip() for d in headers["content-security-policy"].split(";")]
    assert "default-src 'none'" in policy
    assert "style-src 'self'" in policy
    assert not any(d.startswith("script-src") for d in policy)
    assert "frame-ancestors 'none'" in policy
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"


def _form_app(app: FastAPI) -> FastAPI:
    @app.post("/pages/form")
    async def form(request: Request) -> dict[str, list[str]]:
        return await form_fields(request)

    return app


async def _answer(app: FastAPI, body: bytes, content_type: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=_form_app(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.post(
            "/pages/form", content=body, headers={"content-type": content_type}
        )


async def _fields(body: bytes, content_type: str) -> dict[str, list[str]]:
    answer = await _answer(FastAPI(), body, content_type)  # no edge: any media type passes
    assert answer.status_code == 200
    fields: dict[str, list[str]] = answer.json()
    return fields


async def test_form_fields_keep_order_and_blanks_and_refuse_other_forms() -> None:
    form = "application/x-www-form-urlencoded"
    assert await _fields(b"a=1&b=&c=%C3%A9", form) == {"a": ["1"], "b": [""], "c": ["é"]}
    assert await _fields(b"a=1", f"{form}; charset=utf-8") == {"a": ["1"]}
    assert await _fields(b"a=\xff", form) == {"a": ["\ufffd"]}
    forty = "&".join(f"f{i}=x" for i in range(40)).encode()
    assert len(await _fields(forty, form)) == 40


def _edge_app() -> FastAPI:
    """An app behind the hub's edge (error shape, statuses) taking forms under ``/pages``."""
    return create_app(
        service="pages",
        title="pages",
        description="form fields",
        max_body_bytes=100_000,
        readiness={},
        page_prefixes=("/pages",),
    )


async def test_a_form_with_too_many_fields_is_too_large_not_expired() -> None:
    """The fourth trial: a form with more fields than any page has got the "form has expired"
    page (403 ``csrf_failed``); it is 413 ``payload_too_large`` in the hub's error shape, which
    a page prefix turns into its "too large" page (`hub_runtime.edge_pages`)."""
    many = "&".join(f"f{i}=Zara" for i in range(41)).encode()
    hub_app = _edge_app()
    answer = await _answer(hub_app, many, "application/x-www-form-urlencoded")
    assert answer.status_code == 413, answer.text
    assert answer.json() == {
        "error": "payload_too_large",
        "detail": "a form has at most 40 fields",
        "reasons": [],
    }


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"username": "zara", "password": "x"}', "application/json"),
        (b'{"username": "zara"}', "application/json; charset=utf-8"),
        (b"", "text/plain"),
        # The sixth trial: the edge's own 415 (before the form reader) named JSON too.
        (b"username=zara", "text/plain"),
        (b"username=zara", "multipart/form-data; boundary=x"),
    ],
)
async def test_a_body_of_another_type_is_415_not_an_expired_form(
    body: bytes, content_type: str
) -> None:
    """The fifth trial: JSON posted to the dashboard's sign-in got the "form has expired" page
    (403 ``csrf_failed``: the fields read as none); the edge lets JSON through under a page
    prefix, so the form reader answers 415 ``unsupported_media_type`` in the hub's shape, which
    a page prefix turns into its page (`hub_runtime.edge_pages`)."""
    answer = await _answer(_edge_app(), body, content_type)
    assert answer.status_code == 415, answer.text
    assert answer.json() == {
        "error": "unsupported_media_type",
        "detail": FORM_ONLY,
        "reasons": [],
    }
    assert "zara" not in answer.text


async def test_a_form_without_a_content_type_has_no_fields() -> None:
    """A POST with no body and no type (a bare request): no fields, and the page's CSRF check
    answers."""
    transport = httpx.ASGITransport(app=_form_app(_edge_app()))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answer = await client.post("/pages/form")
    assert (answer.status_code, answer.json()) == (200, {})


async def test_a_form_with_a_field_twice_is_refused_unless_the_field_repeats() -> None:
    """The fifth trial: ``csrf=<valid>&csrf=zzz`` or ``username=anna&username=nobody`` signed
    someone in (the first value won). A repeated field is 400 ``duplicate_field``, quoting
    neither the name nor a value; a form's checkboxes (``repeatable``) may repeat."""
    hub_app = _edge_app()

    @hub_app.post("/pages/boxes")
    async def boxes(request: Request) -> dict[str, list[str]]:
        return await form_fields(request, repeatable=frozenset({"box"}))

    form = "application/x-www-form-urlencoded"
    for body in [b"csrf=good&csrf=Zara", b"a=1&username=anna&username=Zara", b"x=&x="]:
        answer = await _answer(hub_app, body, form)
        assert answer.status_code == 400, answer.text
        assert answer.json() == {
            "error": "duplicate_field",
            "detail": "a form sends each of its fields once",
            "reasons": [],
        }
    transport = httpx.ASGITransport(app=hub_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        kept = await client.post(
            "/pages/boxes", content=b"box=a&box=b&c=1", headers={"content-type": form}
        )
        assert kept.json() == {"box": ["a", "b"], "c": ["1"]}
        twice = await client.post(
            "/pages/boxes", content=b"box=a&c=1&c=2", headers={"content-type": form}
        )
        assert twice.status_code == 400
