"""The shared edge's answers to malformed requests: always the hub's one error shape, with the
status that names the fault (issue 13, item 7), and the OpenAPI document that lists them."""

import asyncio
from typing import Annotated, Any

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request
from hub_runtime.auth import Principal, Role, install, mint_token, requires
from hub_runtime.edge import NOT_JSON_NOR_FORM
from hub_runtime.edge_limits import InFlightLimitMiddleware
from hub_runtime.http import create_app
from hub_runtime.openapi_errors import errors, raises
from hub_runtime.path_ids import PathId
from pydantic import BaseModel

SECRET = "unit-test-secret-0123456789abcdef0123"
SHAPE = {"error", "detail", "reasons"}


class Consent(BaseModel):
    partner_id: str
    valid_until: str


class Token(BaseModel):
    client_id: str
    client_secret: str


@raises(429)
def rate_limited(x_test: Annotated[str | None, Header()] = None) -> None:
    del x_test


Staff = Annotated[Principal, Depends(requires(Role.COUNSELLOR))]


def _app() -> FastAPI:
    app = create_app(service="t", title="t", description="", max_body_bytes=2048, readiness={})
    install(app, SECRET)
    router = APIRouter(prefix="/cases")

    @router.post("/{case_id}/consents", status_code=201, responses=errors(409, 410))
    async def grant(case_id: int, body: Consent, who: Staff) -> dict[str, Any]:
        return {"case_id": case_id, "valid_until": body.valid_until}

    @router.get("/{case_id}")
    async def read(case_id: int, who: Staff) -> dict[str, Any]:
        return {"case_id": case_id}

    @router.get("", dependencies=[Depends(rate_limited)])
    async def listing(cursor: str = "") -> dict[str, Any]:
        return {"items": [], "cursor": cursor}

    app.include_router(router)

    @app.post("/partner/token")
    async def token(body: Token) -> dict[str, str]:
        return {"client_id": body.client_id}

    return app


def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t")


def _staff() -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(SECRET, sub='a', role=Role.COUNSELLOR)}"}


JSON = {"content-type": "application/json"}


def _refusal(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == SHAPE, body
    assert body["error"] == code, body
    return body


@pytest.mark.parametrize(
    "raw",
    [
        # The input: a body-parse error came back as FastAPI's {"detail": [...]}.
        b'{"partner_id": "p1", "valid_until": ',
        # Same class: bytes that are not UTF-8 at all.
        b'{"partner_id": "\xff\xfe", "valid_until": "2026-01-01"}',
    ],
)
async def test_body_parse_errors_answer_the_hub_shape(raw: bytes) -> None:
    async with _client() as client:
        response = await client.post("/cases/1/consents", content=raw, headers={**_staff(), **JSON})
    body = _refusal(response, 422, "invalid_json")
    assert body["reasons"], body


@pytest.mark.parametrize(
    "headers",
    [
        {},  # the input: no Content-Type answered 422 "should be a valid dictionary"
        {"content-type": "text/plain"},  # same class: a body that says it is not JSON
        {"content-type": "application/json; charset=utf-16"},  # JSON, but not in UTF-8
    ],
)
async def test_a_body_that_is_not_json_is_415(headers: dict[str, str]) -> None:
    async with _client() as client:
        response = await client.post(
            "/cases/1/consents",
            content=b'{"partner_id": "p1", "valid_until": "2026-01-01"}',
            headers={**_staff(), **headers},
        )
    _refusal(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "raw",
    [
        # The input: a consent body whose second valid_until silently won.
        b'{"partner_id": "p1", "valid_until": "2026-01-01", "valid_until": "9999-12-31"}',
        # Same class, deeper: a duplicate inside a nested object of a list.
        b'{"partner_id": "p1", "valid_until": "2026-01-01", "x": [{"a": 1, "a": 2}]}',
    ],
)
async def test_duplicate_keys_are_refused(raw: bytes) -> None:
    async with _client() as client:
        response = await client.post("/cases/1/consents", content=raw, headers={**_staff(), **JSON})
    body = _refusal(response, 422, "duplicate_key")
    assert "9999" not in response.text  # nothing of the body is echoed
    assert "valid_until" not in response.text
    assert body["reasons"] == ["body: an object has the same member name more than once"]


@pytest.mark.parametrize(
    "raw",
    [
        # Strings no text column can store, and numbers JSON does not have (RFC 7493): the
        # same class as the duplicate keys, a body Python's parser accepts and JSON does not.
        b'{"client_id": "pc_\\ud800", "client_secret": "s"}',
        b'{"client_id": "pc", "client_secret": NaN}',
    ],
)
async def test_strings_and_numbers_json_does_not_allow_are_422(raw: bytes) -> None:
    async with _client() as client:
        response = await client.post("/partner/token", content=raw, headers=JSON)
    _refusal(response, 422, "invalid_json")
    assert "pc_" not in response.text


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        # A second new user's trial: a 5000-digit number was "not valid JSON" (Python's limit
        # on converting long integers, 4300 digits, hidden behind the parser's ValueError); the
        # app under test takes 2 KiB (casefile's test_bad_input sends the 5000 digits).
        (b"4" * 1900, "a number has more than 100 digits"),
        (b"-" + b"9" * 101, "a number has more than 100 digits"),
        (b"0." + b"1" * 200, "a number has more than 100 digits"),
        # Same class: a number beyond a double's range, which Python reads as infinity.
        (b"1e400", "a number is beyond the range of an IEEE 754 double"),
    ],
)
async def test_a_number_too_large_to_read_is_named_so(number: bytes, problem: str) -> None:
    raw = b'{"partner_id": "p1", "valid_until": "2026-01-01", "x": [' + number + b"]}"
    async with _client() as client:
        response = await client.post("/cases/1/consents", content=raw, headers={**_staff(), **JSON})
    body = _refusal(response, 422, "number_too_large")
    assert body["reasons"][0].startswith(f"body: {problem}"), body
    assert "4444" not in response.text


async def test_a_long_number_under_the_limit_reaches_validation() -> None:
    raw = b'{"partner_id": "p1", "valid_until": "2026-01-01", "x": [' + b"9" * 100 + b"]}"
    async with _client() as client:
        response = await client.post("/cases/1/consents", content=raw, headers={**_staff(), **JSON})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("method", "path", "coding"),
    [
        # A second new user's trial: a gzip body was read as if it were plain.
        ("POST", "/cases/1/consents", "gzip"),
        ("POST", "/partner/token", "deflate"),
        ("POST", "/cases/1/consents", "identity, br"),  # a list: each coding counts
        ("POST", "/cases/1/consents", "X-Zara-Probe"),  # an unknown one too, never repeated
        ("GET", "/cases", "GZIP"),  # case-insensitive; any request that declares one
    ],
)
async def test_a_content_coding_other_than_identity_is_415(
    method: str, path: str, coding: str
) -> None:
    plain = b'{"partner_id": "p1", "valid_until": "2026-01-01"}'
    headers = {**_staff(), **JSON, "content-encoding": coding}
    async with _client() as client:
        content = plain if method == "POST" else None
        response = await client.request(method, path, content=content, headers=headers)
    body = _refusal(response, 415, "unsupported_content_encoding")
    assert response.headers["accept-encoding"] == "identity"
    assert "Zara" not in response.text, body


@pytest.mark.parametrize("coding", ["identity", "Identity", ""])
async def test_the_identity_coding_or_none_is_read(coding: str) -> None:
    plain = b'{"partner_id": "p1", "valid_until": "2026-01-01"}'
    headers = {**_staff(), **JSON, "content-encoding": coding}
    async with _client() as client:
        response = await client.post("/cases/1/consents", content=plain, headers=headers)
    assert response.status_code == 201, response.text


async def test_head_answers_on_get_routes() -> None:
    """The issue's input: HEAD on a GET route answered 405."""
    async with _client() as client:
        head = await client.head("/cases/7", headers=_staff())
        get = await client.get("/cases/7", headers=_staff())
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]


async def test_head_is_authorised_like_get() -> None:
    """Same class: HEAD is the GET without a body, refusals included (401, no body)."""
    async with _client() as client:
        response = await client.head("/cases/7")
    assert response.status_code == 401
    assert response.content == b""


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("DELETE", "/cases/1/consents", 405, "method_not_allowed"),  # the 405
        ("GET", "/nowhere", 404, "not_found"),  # same class: the router's own 404
        ("GET", "/cases/1", 401, "unauthorized"),  # and the auth dependency's HTTPException
    ],
)
async def test_router_and_auth_refusals_answer_the_hub_shape(
    method: str, path: str, status: int, code: str
) -> None:
    async with _client() as client:
        response = await client.request(method, path)
    _refusal(response, status, code)


NO_RESOURCE = (
    "there is no resource at this path (see the service's API description at /docs or"
    " /openapi.json)"
)


async def test_the_routers_own_404_and_405_say_what_is_wrong_in_the_hubs_words() -> None:
    """The seventh trial: the router's 404 and 405 answered Starlette's ``Not Found`` and
    ``Method Not Allowed``. A route's own 404 (``HTTPException`` with a detail) keeps its
    sentence; one without a detail gets the router's."""
    app = create_app(service="t", title="t", description="", max_body_bytes=2048, readiness={})

    @app.get("/cases/{case_id}")
    async def read(case_id: int) -> dict[str, int]:
        if case_id == 1:
            raise HTTPException(404, detail="no case has this id")
        raise HTTPException(404)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        nowhere = await client.get("/nowhere")
        wrong_method = await client.delete("/cases/1")
        own = await client.get("/cases/1")
        bare = await client.get("/cases/2")
    assert _refusal(nowhere, 404, "not_found")["detail"] == NO_RESOURCE
    assert _refusal(wrong_method, 405, "method_not_allowed")["detail"] == (
        "this path does not take this method: the Allow header lists the ones it takes"
    )
    assert wrong_method.headers["allow"] == "GET, HEAD"
    assert _refusal(own, 404, "not_found")["detail"] == "no case has this id"
    assert _refusal(bare, 404, "not_found")["detail"] == NO_RESOURCE


async def test_a_body_over_the_limit_is_413_in_the_hub_shape() -> None:
    async with _client() as client:
        response = await client.post(
            "/cases/1/consents", content=b"[" + b"1," * 2000 + b"1]", headers=_staff()
        )
    _refusal(response, 413, "payload_too_large")


def _responses(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    responses: dict[str, Any] = document["paths"][path][method]["responses"]
    return responses


def test_openapi_lists_every_status_of_every_route_with_the_hub_shape() -> None:
    document = _app().openapi()
    grant = _responses(document, "/cases/{case_id}/consents", "post")
    # auth 400 (Authorization twice)/401/403, path 404, body 408/413/415/422, the route's own
    # 409/410 (and 414/431, the edge's head limits, and 503, the backpressure of every route)
    assert set(grant) == {
        *("201", "400", "401", "403", "404", "408", "409", "410", "413", "414", "415", "422"),
        *("431", "503"),
    }
    read = _responses(document, "/cases/{case_id}", "get")
    assert set(read) == {"200", "400", "401", "403", "404", "414", "422", "431", "503"}
    listing = _responses(document, "/cases", "get")
    # 429 from the marked dependency; 400 on every route: a query parameter or a body the
    # operation does not take (`hub_runtime.edge_shape`)
    assert set(listing) == {"200", "400", "414", "422", "429", "431", "503"}
    token = _responses(document, "/partner/token", "post")
    assert set(token) == {"200", "400", "408", "413", "414", "415", "422", "431", "503"}
    for path, operations in document["paths"].items():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                if int(status) >= 400 and path != "/ready":  # /ready's 503 is its report
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorBody"}
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert set(schemas["ErrorBody"]["properties"]) == SHAPE


def test_openapi_declares_the_bearer_scheme_on_the_routes_that_need_a_token() -> None:
    document = _app().openapi()
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"
    assert scheme["bearerFormat"] == "JWT"
    bearer = [{"bearer": []}]
    assert document["paths"]["/cases/{case_id}/consents"]["post"]["security"] == bearer
    assert document["paths"]["/cases/{case_id}"]["get"]["security"] == bearer
    for path in ("/cases", "/health", "/ready", "/metrics"):
        assert "security" not in document["paths"][path]["get"], path
    assert "security" not in document["paths"]["/partner/token"]["post"]


@pytest.mark.parametrize(
    ("authorization", "detail"),
    [
        (None, "a bearer token is required"),
        ("Basic YTpi", "a bearer token is required"),  # another scheme
        ("Bearer", "a bearer token is required"),  # the scheme without a token
        ("Bearer not.a.jwt", "the token is not valid"),
        (
            "bearer " + mint_token("another-secret-0123456789abcdef012", sub="a", role=Role.ADMIN),
            "the token is not valid",
        ),
    ],
)
async def test_401_is_the_hub_shape_with_a_bearer_challenge(
    authorization: str | None, detail: str
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    async with _client() as client:
        response = await client.get("/cases/7", headers=headers)
    body = _refusal(response, 401, "unauthorized")
    assert body["detail"] == detail
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_role_the_route_does_not_admit_is_403_and_a_lowercase_scheme_passes() -> None:
    admin = mint_token(SECRET, sub="a", role=Role.ADMIN)
    counsellor = mint_token(SECRET, sub="a", role=Role.COUNSELLOR)
    async with _client() as client:
        refused = await client.get("/cases/7", headers={"Authorization": f"Bearer {admin}"})
        admitted = await client.get("/cases/7", headers={"Authorization": f"bearer {counsellor}"})
    _refusal(refused, 403, "forbidden")
    assert admitted.status_code == 200, admitted.text


async def test_a_repeated_authorization_header_is_a_400_not_a_guess() -> None:
    """The sixth new user's trial: with two Authorization headers the first one counted (an
    admin's and a counsellor's token gave the admin's view). Neither counts now, in either
    order (RFC 6750 section 3.1: invalid_request)."""
    admin = mint_token(SECRET, sub="a", role=Role.ADMIN)
    counsellor = mint_token(SECRET, sub="a", role=Role.COUNSELLOR)
    async with _client() as client:
        for first, second in ((admin, counsellor), (counsellor, admin), ("x", counsellor)):
            response = await client.get(
                "/cases/7",
                headers=[
                    ("Authorization", f"Bearer {first}"),
                    ("Authorization", f"Bearer {second}"),
                ],
            )
            body = _refusal(response, 400, "authorization_repeated")
            assert counsellor not in response.text
            assert admin not in response.text
            assert body["detail"] == "send the Authorization header once"


async def test_overload_answers_503_in_the_hub_shape() -> None:
    """Backpressure: a request beyond the in-flight limit gets the hub's 503, not uvicorn's
    plain-text one."""
    app = create_app(service="t", title="t", description="", max_body_bytes=2048, readiness={})
    release = asyncio.Event()

    @app.get("/slow")
    async def slow() -> dict[str, str]:
        await release.wait()
        return {"ok": "yes"}

    app.add_middleware(InFlightLimitMiddleware, limit=1)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        first = asyncio.create_task(client.get("/slow"))
        await asyncio.sleep(0.05)
        second = await client.get("/slow")
        release.set()
        assert (await first).status_code == 200
    body = _refusal(second, 503, "overloaded")
    assert second.headers["retry-after"] == "1"
    assert body["detail"]


async def test_html_form_bodies_pass_only_under_the_form_prefixes() -> None:
    """Server-rendered pages (signals' ``/dashboard/``) post HTML forms; everywhere else a form
    body is still 415."""
    app = create_app(
        service="t",
        title="t",
        description="",
        max_body_bytes=2048,
        readiness={},
        form_prefixes=("/pages/",),
    )

    @app.post("/pages/form")
    async def page_form(request: Request) -> dict[str, str]:
        return {"body": (await request.body()).decode()}

    @app.post("/api/form")
    async def api_form(request: Request) -> dict[str, str]:
        return {"body": (await request.body()).decode()}

    form = {"content-type": "application/x-www-form-urlencoded"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        passed = await client.post("/pages/form", content=b"a=1&b=2", headers=form)
        refused = await client.post("/api/form", content=b"a=1&b=2", headers=form)
        plain = await client.post(
            "/pages/form", content=b"a=1", headers={"content-type": "text/plain"}
        )
    assert passed.json() == {"body": "a=1&b=2"}
    _refusal(refused, 415, "unsupported_media_type")
    # A route under a form prefix takes JSON or a form (the token endpoint): the 415 names both.
    assert _refusal(plain, 415, "unsupported_media_type")["detail"] == NOT_JSON_NOR_FORM


@pytest.mark.parametrize(
    "failure",
    [
        asyncpg.PostgresConnectionError("connection lost"),
        asyncpg.InterfaceError("connection is closed"),
        ConnectionRefusedError(111, "refused"),
        asyncpg.DeadlockDetectedError("deadlock"),
    ],
    ids=type,
)
async def test_a_dependency_failing_under_a_request_is_503_with_retry_after(
    failure: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    """The database or the broker failing mid-request (a restart, a network cut, a lost
    deadlock) is not the request's fault and not a bug: 503 ``unavailable`` in the one shape
    with Retry-After, logged as a WARNING without the error's message, never a 500."""
    app = create_app(service="t", title="t", description="", max_body_bytes=2048, readiness={})

    @app.get("/cases/{case_id}")
    async def read(case_id: int) -> dict[str, Any]:
        raise failure

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        with caplog.at_level("WARNING", logger="hub_runtime.http"):
            response = await client.get("/cases/7")
    body = _refusal(response, 503, "unavailable")
    assert "Try again" in body["detail"]
    assert response.headers["retry-after"] == "2"
    [record] = [r for r in caplog.records if r.name == "hub_runtime.http"]
    assert record.levelname == "WARNING"
    assert getattr(record, "error_type") == type(failure).__name__  # noqa: B009
    assert str(failure) not in record.getMessage()


async def test_allow_lists_every_method_of_the_path_not_the_first_routes() -> None:
    """The third trial's ``PATCH /cases`` answered ``Allow: POST`` though GET served the path
    too: Starlette named the methods of the first route whose path matched (RFC 9110
    section 15.5.6: Allow lists the methods the target resource supports)."""
    app = create_app(service="t", title="t", description="", max_body_bytes=2048, readiness={})

    @app.post("/cases")
    async def open_case() -> dict[str, str]:
        return {}

    @app.get("/cases")
    async def list_cases() -> dict[str, str]:
        return {}

    @app.put("/cases/{case_id}")
    async def replace(case_id: int) -> dict[str, int]:
        return {"case_id": case_id}

    @app.delete("/cases/{case_id}")
    async def remove(case_id: int) -> dict[str, int]:
        return {"case_id": case_id}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        collection = await client.patch("/cases")
        item = await client.get("/cases/7")
        head = await client.head("/cases/7")  # HEAD runs as GET: refused alike
    _refusal(collection, 405, "method_not_allowed")
    assert collection.headers["allow"] == "GET, HEAD, POST"
    _refusal(item, 405, "method_not_allowed")
    assert item.headers["allow"] == "DELETE, PUT"
    assert head.status_code == 405
    assert head.headers["allow"] == "DELETE, PUT"


CANONICAL = "0b3e7c1a-5d2f-4c1e-9a7b-2f8e6d4c3b1a"


@pytest.mark.parametrize(
    "written",
    [
        CANONICAL.upper(),
        "{" + CANONICAL + "}",
        CANONICAL.replace("-", ""),
        "urn:uuid:" + CANONICAL,
        "not-a-uuid",
    ],
)
async def test_a_path_id_is_its_canonical_form_only(written: str) -> None:
    """The third trial's finding: upper case, braces, no hyphens and urn:uuid: named the same
    case; now 422 like any malformed id in a path, the form named, the value not quoted."""
    app = create_app(service="t", title="t", description="", max_body_bytes=2048, readiness={})

    @app.get("/cases/{case_id}")
    async def read(case_id: PathId) -> dict[str, str]:
        return {"case_id": str(case_id)}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        refused = await client.get(f"/cases/{written}")
        canonical = await client.get(f"/cases/{CANONICAL}")
        schema = (await client.get("/openapi.json")).json()
    body = _refusal(refused, 422, "invalid_request")
    assert body["reasons"] == [
        "path.case_id: should be a UUID in its canonical form (RFC 9562): 32 lower-case"
        " hexadecimal digits in groups of 8-4-4-4-12 joined by hyphens, without braces or a"
        " urn:uuid: prefix"
    ]
    assert written not in refused.text
    assert canonical.json() == {"case_id": CANONICAL}
    parameter = schema["paths"]["/cases/{case_id}"]["get"]["parameters"][0]["schema"]
    assert parameter["format"] == "uuid"
    assert parameter["pattern"].startswith("^[0-9a-f]{8}-")
