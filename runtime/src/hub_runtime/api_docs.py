"""The API documentation pages, ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), served with their
JavaScript and CSS from the service itself.

FastAPI's own pages load Swagger UI and ReDoc from cdn.jsdelivr.net, their favicon from
fastapi.tiangolo.com and ReDoc's fonts from Google: a third party's script on a page where staff
paste a bearer token (the eighth new user's trial). The files come from the ``fastapi-offline``
package (MIT; swagger-ui-dist's ``swagger-ui-bundle.js`` and ``swagger-ui.css``, ReDoc's
``redoc.standalone.js``, pinned in uv.lock with their hashes), served under ``/docs/assets``.
Each page answers with a Content-Security-Policy (W3C CSP Level 3) that lets a script run only
from the service itself or as the page's one inline script, named by its hash, and lets the
page fetch only from the service: a script from anywhere else is refused by the browser.
"""

import base64
import hashlib
import re
from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

ASSETS = "/docs/assets"
"""Where the pages' JavaScript, CSS and favicon are served."""

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
# Swagger UI sets styles inline and draws icons as data: images; ReDoc runs its search in a
# worker it builds from a blob: URL. Nothing leaves the service.
_POLICY = (
    "default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:;"
    " base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def install_docs(app: FastAPI) -> None:
    """Add ``GET /docs`` and ``GET /redoc`` (HTML, each with its Content-Security-Policy) and
    the assets under `ASSETS` to ``app``, which is created with ``docs_url=None,
    redoc_url=None`` so that FastAPI's CDN pages are not there too. The pages read the OpenAPI
    document at ``app.openapi_url``."""
    static = files("fastapi_offline") / "static"
    app.mount(ASSETS, StaticFiles(directory=str(static)), name="api_docs_assets")
    title = app.title

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=_openapi_url(app, request),
            title=f"{title} - Swagger UI",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
            # Swagger UI's default sends the OpenAPI document's URL to validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None},
        )
        return _with_policy(page)

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=_openapi_url(app, request),
            title=f"{title} - ReDoc",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
        return _with_policy(page)


def _openapi_url(app: FastAPI, request: Request) -> str:
    root = str(request.scope.get("root_path", "")).rstrip("/")
    return f"{root}{app.openapi_url or '/openapi.json'}"


def _with_policy(page: HTMLResponse) -> HTMLResponse:
    """The page with a policy that allows its own inline scripts by their SHA-256 (CSP Level 3
    §8.4, hash-source) and no other inline script."""
    html = bytes(page.body).decode("utf-8")
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
        for s in _INLINE_SCRIPT.findall(html)
    )
    headers = {
        "content-security-policy": _POLICY.format(hashes=hashes),
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
    }
    return HTMLResponse(html, headers=headers)
