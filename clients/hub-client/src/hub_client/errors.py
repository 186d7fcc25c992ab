"""The one exception the client raises for a refused request: the hub's `ErrorBody`."""

from typing import Any

import httpx
from pydantic import ValidationError

from hub_client.models import ErrorBody


class HubError(Exception):
    """A request the hub refused (any status >= 400), or an answer that was not the hub's.

    ``status``: the HTTP status; ``error``: the hub's stable code (``not_found``,
    ``impossible_transition``, ``invalid_request``, ...; ``unexpected_answer`` when the body
    was not the hub's error shape, e.g. a proxy's page); ``detail``: one sentence (never
    submitted data); ``reasons``: one per fault, ``field.path: what is wrong``; ``extra``: ids
    a 409 names beside them (e.g. the open referral's ``referral_id``)."""

    def __init__(
        self,
        status: int,
        error: str,
        detail: str,
        reasons: list[str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {error}: {detail}")
        self.status = status
        self.error = error
        self.detail = detail
        self.reasons = list(reasons or [])
        self.extra = dict(extra or {})

    @classmethod
    def from_response(cls, response: httpx.Response) -> "HubError":
        """The error an answer carries (its `ErrorBody`), or ``unexpected_answer``."""
        try:
            body = ErrorBody.model_validate_json(response.content)
        except ValidationError:
            return cls(
                response.status_code,
                "unexpected_answer",
                f"the answer ({response.headers.get('content-type', 'no content type')}) was"
                " not the hub's error shape",
            )
        return cls(response.status_code, body.error, body.detail, body.reasons, body.model_extra)


class HubUnreachableError(HubError):
    """Every attempt failed at the connection (refused, reset, timed out): ``status`` is 0,
    ``error`` ``unreachable``; the transport's last error is the ``__cause__``."""

    def __init__(self, detail: str) -> None:
        super().__init__(0, "unreachable", detail)
