"""`hub_runtime.edge_shape`'s rules on an app of `create_app` (in process, no stack): what
decides that an operation takes a body or a query parameter. The services' own routes are
checked on the real stack in ``tests/e2e/test_request_shape_everywhere.py``."""

from typing import Annotated, Any

import httpx
from fastapi import FastAPI, Query, Request
from hub_runtime.http import create_app
from pydantic import BaseModel

FORM = {"content-type": "application/x-www-form-urlencoded"}


class Paging(BaseModel):
    cursor: str = ""
    limit: int = 10


def _app() -> FastAPI:
    app = create_app(
        service="t",
        title="t",
        description="",
        max_body_bytes=2048,
        readiness={},
        form_prefixes=("/pages/",),
    )

    @app.post("/own", openapi_extra={"requestBody": {"content": {"text/plain": {}}}})
    async def own(request: Request) -> dict[str, int]:
        return {"read": len(await request.body())}

    @app.post("/none")
    async def none() -> dict[str, str]:
        return {}

    @app.get("/paged")
    async def paged(
        paging: Annotated[Paging, Query()],
        kinds: Annotated[list[str], Query(alias="kind")] = [],  # noqa: B006 (FastAPI copies it)
    ) -> dict[str, Any]:
        return {"limit": paging.limit, "kinds": kinds}

    @app.get("/pages")
    async def page(request: Request) -> dict[str, Any]:
        return {"query": dict(request.query_params)}

    @app.post("/pages/form")
    async def form(request: Request) -> dict[str, int]:
        return {"read": len(await request.body())}

    return app


async def _ask(method: str, path: str, **kwargs: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.request(method, path, **kwargs)


def _code(response: httpx.Response) -> str | None:
    return response.json().get("error") if response.status_code == 400 else None


async def test_a_route_declaring_its_own_request_body_reads_it_where_others_refuse_one() -> None:
    # ``openapi_extra``'s requestBody is the operation's description: it takes a body.
    sent = {"content": b'{"a": 1}', "headers": {"content-type": "application/json"}}
    assert (await _ask("POST", "/own", **sent)).json() == {"read": 8}
    assert _code(await _ask("POST", "/none", **sent)) == "body_not_expected"
    assert (await _ask("POST", "/none")).status_code == 200


async def test_query_parameters_are_those_fastapi_reads_a_models_fields_and_aliases() -> None:
    read = await _ask("GET", "/paged?limit=2&cursor=x&kind=a&kind=b")
    assert read.json() == {"limit": 2, "kinds": ["a", "b"]}
    unknown = await _ask("GET", "/paged?kinds=a")  # the parameter's name, not its alias
    assert _code(unknown) == "unknown_query_parameter"
    assert unknown.json()["detail"].endswith("takes the query parameters: cursor, limit, kind")
    assert _code(await _ask("GET", "/paged?limit=1&limit=2")) == "query_parameter_repeated"


async def test_the_pages_under_form_prefixes_keep_their_own_query_and_forms() -> None:
    # The prefix's own page (``/pages``) is under it too, as ``/dashboard`` is signals'.
    assert (await _ask("GET", "/pages?lang=en&lang=fr")).json() == {"query": {"lang": "fr"}}
    assert (await _ask("POST", "/pages/form", content=b"a=1", headers=FORM)).json() == {"read": 3}
    assert _code(await _ask("GET", "/paged?lang=en")) == "unknown_query_parameter"


async def test_the_api_descriptions_take_no_query_parameter_nor_body_as_every_route() -> None:
    """``/openapi.json``, ``/docs`` and ``/redoc`` answered 200 to ``?x=`` (a new user's trial)
    where every operation refuses it; now the same 400s, never naming what was typed."""
    for path in ("/openapi.json", "/docs", "/redoc"):
        assert (await _ask("GET", path)).status_code == 200, path
        assert (await _ask("HEAD", path)).status_code == 200, path
        unknown = await _ask("GET", path + "?Fatima-Haddad=1987")
        assert _code(unknown) == "unknown_query_parameter", path
        assert unknown.json()["detail"].endswith("this operation takes no query parameters")
        assert "Fatima" not in unknown.text
        sent = await _ask(
            "GET", path, content=b'{"a": 1}', headers={"content-type": "application/json"}
        )
        assert _code(sent) == "body_not_expected", path


def _pages_app() -> FastAPI:
    app = create_app(
        service="t",
        title="t",
        description="",
        max_body_bytes=2048,
        readiness={},
        page_prefixes=("/board/",),
    )

    @app.get("/board")
    async def board(period: str = "") -> dict[str, str]:
        return {"period": period}

    @app.get("/board/reset")
    async def reset(request: Request) -> dict[str, str]:
        return {"code": request.query_params.get("code", "")}

    return app


async def test_a_page_refuses_a_query_parameter_given_twice_and_ignores_an_unknown_one() -> None:
    """A new user's trial: the dashboard read the last of ``?period=`` twice, the portal's reset
    page the first of ``?code=``; both are now 400 ``query_parameter_repeated``, naming only a
    parameter the page declares. A parameter no page knows (a link's tracking) still passes."""
    transport = httpx.ASGITransport(app=_pages_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        declared = await client.get("/board?period=2026-10&period=2026-11")
        own = await client.get("/board/reset?code=Fatima-1987&code=B")
        undeclared = await client.get("/board/reset?Fatima-Haddad=1&Fatima-Haddad=2")
        tracked = await client.get("/board?period=2026-10&utm_source=mail")
        once = await client.get("/board/reset?code=A")
    assert _code(declared) == "query_parameter_repeated"
    assert declared.json()["reasons"] == ["query.period: is given more than once"]
    assert "2026-1" not in declared.text
    for refused in (own, undeclared):
        assert _code(refused) == "query_parameter_repeated"
        assert len(refused.json()["reasons"]) == 1
        assert "Fatima" not in refused.text
        assert "code" not in refused.json()["reasons"][0]  # not declared: not named
    assert tracked.json() == {"period": "2026-10"}
    assert once.json() == {"code": "A"}
