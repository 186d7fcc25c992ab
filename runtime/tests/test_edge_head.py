"""HEAD where a GET discloses personal data (the ninth new user's trial: a HEAD on a partner's
referral asked casefile and logged a disclosure, though no body was sent), and the 503 of a
domain error, which carried no ``Retry-After`` (every other 503 of the hub does)."""

import httpx
from fastapi import FastAPI
from hub_runtime.edge_head import discloses_personal_data
from hub_runtime.errors import UnavailableError
from hub_runtime.http import UNAVAILABLE_RETRY_AFTER_SECONDS, create_app


def _app(calls: list[str]) -> FastAPI:
    app = create_app(service="t", title="t", description="", max_body_bytes=2048, readiness={})

    @app.get("/referrals/{referral_id}")
    @discloses_personal_data
    async def disclose(referral_id: str) -> dict[str, str]:
        calls.append(referral_id)  # stands for casefile's call and the disclosure's log row
        return {"name": "personal"}

    @app.delete("/referrals/{referral_id}")
    async def forget(referral_id: str) -> dict[str, str]:
        return {}

    @app.get("/referrals")
    async def listing() -> dict[str, str]:
        calls.append("listing")
        return {"items": "none personal"}

    @app.get("/down")
    async def down() -> dict[str, str]:
        raise UnavailableError("casefile is unavailable; try again later", code="upstream_down")

    return app


async def _ask(app: FastAPI, method: str, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.request(method, path)


async def test_head_on_a_disclosing_get_is_405_and_never_runs_the_handler() -> None:
    """Only there: a HEAD on a GET that discloses nothing still runs as the GET."""
    calls: list[str] = []
    app = _app(calls)
    head = await _ask(app, "HEAD", "/referrals/r1")
    assert head.status_code == 405
    assert head.content == b""  # a HEAD answer has no body, the refusal's neither
    assert head.headers["allow"] == "DELETE, GET"  # no HEAD where it would disclose
    assert head.headers["content-type"] == "application/json"  # the hub's one error shape
    assert calls == []
    get = await _ask(app, "GET", "/referrals/r1")
    assert get.status_code == 200
    assert calls == ["r1"]
    listed = await _ask(app, "HEAD", "/referrals")
    assert listed.status_code == 200
    assert listed.content == b""
    assert calls == ["r1", "listing"]


async def test_another_methods_405_on_a_disclosing_path_does_not_offer_head() -> None:
    response = await _ask(_app([]), "PUT", "/referrals/r1")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"
    assert response.headers["allow"] == "DELETE, GET"


async def test_a_domain_errors_503_carries_retry_after() -> None:
    response = await _ask(_app([]), "GET", "/down")
    assert response.status_code == 503
    assert response.json()["error"] == "upstream_down"
    assert response.headers["retry-after"] == str(UNAVAILABLE_RETRY_AFTER_SECONDS)
