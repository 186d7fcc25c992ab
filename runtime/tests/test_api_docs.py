"""The API documentation pages load nothing from a third party (the tenth new user's trial:
``/docs`` loaded Swagger UI's JavaScript from cdn.jsdelivr.net on a page where staff paste a
bearer token)."""

import base64
import hashlib
import re

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hub_runtime.api_docs import install_docs


@pytest.fixture
def client() -> TestClient:
    app = FastAPI(title="casefile", docs_url=None, redoc_url=None)
    install_docs(app)
    return TestClient(app)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_a_docs_page_loads_its_scripts_and_styles_from_the_service(
    client: TestClient, page: str
) -> None:
    answer = client.get(page)
    assert answer.status_code == 200
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", answer.text)
    assert urls, answer.text
    for url in urls:
        assert url.startswith("/"), url  # the service's own path, never another host
        assert client.get(url).status_code == 200, url
    assert "cdn.jsdelivr.net" not in answer.text
    assert "googleapis" not in answer.text


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_a_docs_page_allows_only_the_services_scripts_and_its_own_inline_one(
    client: TestClient, page: str
) -> None:
    answer = client.get(page)
    policy = dict(
        part.strip().split(" ", 1) for part in answer.headers["content-security-policy"].split(";")
    )
    scripts = policy["script-src"].split()
    assert scripts[0] == "'self'"
    assert "'unsafe-inline'" not in scripts
    inline = re.findall(r"<script>(.*?)</script>", answer.text, re.DOTALL)
    digests = {hashlib.sha256(s.encode()).digest() for s in inline}
    assert {f"'sha256-{base64.b64encode(d).decode()}'" for d in digests} == set(scripts[1:])
    assert policy["default-src"] == "'none'"
    assert policy["connect-src"] == "'self'"


def test_swagger_ui_does_not_send_the_document_to_its_validator(client: TestClient) -> None:
    assert '"validatorUrl": null' in client.get("/docs").text


async def test_every_services_app_serves_its_docs_without_a_cdn() -> None:
    from hub_runtime.http import create_app

    app = create_app(
        service="docsprobe", title="docs probe", description="", max_body_bytes=1_000, readiness={}
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
        for page in ("/docs", "/redoc"):
            answer = await client.get(page)
            assert answer.status_code == 200
            assert "cdn.jsdelivr.net" not in answer.text
            assert "content-security-policy" in answer.headers
