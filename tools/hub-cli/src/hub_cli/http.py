"""One request to a service's HTTP API, its errors turned into :class:`CliError`.

A refusal (4xx/5xx) becomes the hub's ``ErrorBody`` (``error``, ``detail``, ``reasons``) with
its status; a service that does not answer becomes ``unreachable`` (exit code 3).
"""

from typing import Any

import httpx
from hub_runtime.auth import Role
from hub_runtime.redaction import redact_url

from hub_cli.config import Identity, service_url
from hub_cli.output import UNREACHABLE, CliError

TIMEOUT_SECONDS = 30.0


def call(
    identity: Identity,
    service: str,
    method: str,
    path: str,
    *,
    role: Role,
    body: dict[str, Any] | None = None,
    query: dict[str, str] | None = None,
) -> Any:
    """The JSON answer of ``method path`` on ``service`` (a ``config.SERVICES`` name) as
    ``role`` (see :meth:`Identity.bearer`).

    Raises :class:`CliError`: the service's error code and detail for a non-2xx answer (code
    ``http_<status>`` when the body is not the hub's error shape), ``unreachable`` when it does
    not answer (connection refused, timeout; the URL without its userinfo)."""
    url = service_url(service)
    headers = {"Authorization": f"Bearer {identity.bearer(role)}"}
    try:
        with httpx.Client(base_url=url, timeout=TIMEOUT_SECONDS) as client:
            response = client.request(method, path, json=body, params=query, headers=headers)
    except httpx.HTTPError as exc:
        raise CliError(
            "unreachable",
            f"{service} at {redact_url(url)} did not answer ({type(exc).__name__})",
            exit_code=UNREACHABLE,
        ) from exc
    if response.is_success:
        return response.json()
    raise refusal(response)


def refusal(response: httpx.Response) -> CliError:
    """The :class:`CliError` of a non-2xx answer: its ``ErrorBody`` if it has one."""
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("error"), str):
        reasons = payload.get("reasons") or []
        return CliError(
            payload["error"],
            str(payload.get("detail", "")),
            reasons=[str(r) for r in reasons] if isinstance(reasons, list) else [],
            status=response.status_code,
        )
    return CliError(
        f"http_{response.status_code}",
        f"{response.request.method} {response.request.url.path} answered"
        f" {response.status_code} {response.reason_phrase}",
        status=response.status_code,
    )
