"""The dashboard's cookies carry ``Secure`` outside development, and always ``HttpOnly``,
``SameSite=Strict`` and ``Path=/dashboard`` (the integration test sees the development side)."""

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from signals.api.staff_session import set_cookie


def _app(secure: bool) -> FastAPI:
    app = FastAPI()
    app.state.staff_cookies_secure = secure

    @app.get("/dashboard/x")
    async def page(request: Request) -> Response:
        response = Response("ok")
        set_cookie(request, response, "signals_session", "v")
        return response

    return app


@pytest.mark.parametrize("secure", [True, False])
async def test_cookie_attributes(secure: bool) -> None:
    transport = httpx.ASGITransport(app=_app(secure))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answer = await client.get("/dashboard/x")
    attributes = {a.strip().lower() for a in answer.headers["set-cookie"].split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/dashboard"} <= attributes
    assert ("secure" in attributes) is secure
