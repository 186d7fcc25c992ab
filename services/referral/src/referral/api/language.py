"""The language of referral's refusal sentences at the HTTP edge: ``Accept-Language`` (nl or
en, English by default; `referral.refusals`), and the one error answer of a policy refusal in
that language: ``detail`` the sentences joined, ``reasons`` one sentence per failing rule, the
code unchanged, ``Content-Language`` saying which language it is (RFC 9110 section 8.5)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from hub_runtime.edge import error_response
from hub_runtime.http import status_of

from referral.refusals import PolicyRefusalError, negotiate, sentence


async def refusal_language(
    accept_language: Annotated[
        str | None,
        Header(description="nl or en (RFC 9110 12.5.4): the language of refusal sentences"),
    ] = None,
) -> str:
    """The language of the answer's refusal sentences: ``nl`` or ``en`` (the default)."""
    return negotiate(accept_language)


Language = Annotated[str, Depends(refusal_language)]
"""A route's parameter: the language its refusal sentences are rendered in."""


def in_language(response: Response, language: str) -> None:
    """Say which language the answer's sentences are in, and that it varies with the request's
    ``Accept-Language`` (so a shared cache keeps one copy per language)."""
    response.headers["Content-Language"] = language
    response.headers["Vary"] = "Accept-Language"


async def on_policy_refusal(request: Request, exc: Exception) -> JSONResponse:
    """A `PolicyRefusalError` as the hub's error body, its sentences in the request's language."""
    assert isinstance(exc, PolicyRefusalError)
    language = negotiate(request.headers.get("accept-language"))
    texts = [sentence(text, language) for _, text in exc.sentences]
    headers = {"Content-Language": language, "Vary": "Accept-Language"}
    return error_response(
        status_of(exc), exc.code, " ".join(texts), texts, headers=headers, extra=exc.extra
    )
