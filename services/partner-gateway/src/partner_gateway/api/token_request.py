"""Reading a token request: the OAuth 2.0 client credentials grant (RFC 6749 section 4.4).

A request comes as a form (``application/x-www-form-urlencoded``, RFC 6749 section 4.4.2, what
OAuth libraries send) or as JSON (the hub's first form, kept for its clients); the client
authenticates with HTTP Basic (section 2.3.1: ``client_id:client_secret``, each
form-urlencoded, in Base64) or with ``client_id`` and ``client_secret`` in the body.

Errors follow RFC 6749 section 5.2 (`partner_gateway.api.token_answers` adds what every answer
of the path carries: ``error_description``, ``Cache-Control: no-store``): 400 with ``error``
``invalid_request`` or ``unsupported_grant_type``, 401 ``invalid_client`` with the Basic
challenge. The checks come in an order that tells nobody more about a client id than the error
shape already does (``invalid_client`` is one answer for an unknown id, a wrong or expired
secret and a revoked client, RFC 6749 section 5.2):

1. the edge, before routing: size (413), a media type other than JSON or the form (415), JSON
   that is not strict (400 ``invalid_request``): nothing about the client is read yet;
2. :func:`read_credentials`: the credentials can be found and are well formed (400
   ``invalid_request`` naming the field; 401 ``invalid_client`` for a request without any
   client authentication, or an Authorization header that is not Basic or cannot be decoded);
3. the rate limit per client id (429), then the client's authentication (401
   ``invalid_client``);
4. only a client that proved who it is learns more: an origin-country authority is refused
   (403 ``partner_origin_authority``), then an inactive partner (403 ``partner_refused``);
5. :func:`check_grant`: the rest of the request: a ``grant_type`` other than
   ``client_credentials`` (400 ``unsupported_grant_type``), none in a form or an unknown JSON
   member (400 ``invalid_request``).

So an origin-country authority's client gets 403 for any request it can be identified in, and
no request gets a token before every check has passed. The 403s keep the hub's codes (RFC 6749
defines no 403; ``partner_origin_authority`` is the code every hub route answers such a client).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote_plus

from fastapi import Request
from hub_contracts.codes import ClientId, ClientSecret
from hub_runtime import strict_json
from hub_runtime.errors import BadRequestError, UnauthenticatedError
from hub_runtime.validation_reasons import validation_reasons
from pydantic import BaseModel, ConfigDict, ValidationError

from partner_gateway.api.models import TokenRequest

FORM = "application/x-www-form-urlencoded"
GRANT_TYPE = "client_credentials"
BASIC_CHALLENGE = 'Basic realm="partner-gateway", charset="UTF-8"'
"""RFC 6749 section 5.2: a client that authenticated with Basic gets this challenge on 401
(RFC 7617 section 2)."""


class _Credentials(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    client_id: ClientId
    client_secret: ClientSecret


class FormTokenRequest(BaseModel):
    """RFC 6749 section 4.4.2's parameters the gateway reads from a form; any other parameter
    is ignored, as section 3.2 requires of a token endpoint."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    grant_type: Literal["client_credentials"]
    client_id: ClientId | None = None
    client_secret: ClientSecret | None = None


@dataclass(frozen=True)
class Credentials:
    """Who the request says it is, and how it said so (``basic``: the Authorization header)."""

    client_id: str
    client_secret: str
    basic: bool
    params: dict[str, Any]
    form: bool


INVALID_REQUEST = "invalid_request"
UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type"
INVALID_CLIENT = "invalid_client"


def _refused(reasons: list[str], code: str = INVALID_REQUEST) -> BadRequestError:
    """RFC 6749 section 5.2's 400 with ``code``; each reason names a field, never a value."""
    return BadRequestError("; ".join(reasons), code=code, reasons=reasons)


def _problem(field: str, text: str) -> BadRequestError:
    """A 400 ``invalid_request`` whose one reason is ``field: text``."""
    return _refused([f"{field}: {text}"])


def _bad_client(detail: str) -> UnauthenticatedError:
    return UnauthenticatedError(detail, code=INVALID_CLIENT)


def _located(error: ValidationError, where: str = "body") -> BadRequestError:
    """``where``: ``body``, or ``authorization`` for what HTTP Basic carried."""
    located = [{**e, "loc": (where, *e["loc"])} for e in error.errors(include_url=False)]
    return _refused(validation_reasons(located))


async def _params(request: Request) -> tuple[dict[str, Any], bool]:
    """The body's parameters and whether it was a form. The edge let through only JSON (parsed
    strictly there already) or a form on this path."""
    body = await request.body()
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == FORM:
        try:
            pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            raise _problem("form", "is not form-urlencoded ASCII") from None
        params: dict[str, Any] = {}
        for name, value in pairs:
            if name in params:  # RFC 6749 section 3.2: never more than once
                raise _problem(name, "is given more than once")
            params[name] = value
        return params, True
    if not body:
        return {}, False
    parsed = strict_json.loads(body)  # strict already at the edge: this cannot fail now
    if not isinstance(parsed, dict):
        raise _problem("body", "should be a JSON object")
    return parsed, False


def _basic(header: str) -> tuple[str, str] | None:
    """The client id and secret of an HTTP Basic Authorization header (RFC 6749 section 2.3.1:
    each form-urlencoded, joined by a colon, in Base64), None without a header; raises
    `UnauthenticatedError` ``invalid_client`` for another scheme or an undecodable value."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic":
        raise _bad_client("the client authenticates with HTTP Basic or in the body")
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        raise _bad_client("the Authorization header is not valid HTTP Basic") from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise _bad_client("the Authorization header is not valid HTTP Basic")
    try:
        return unquote_plus(client_id, errors="strict"), unquote_plus(secret, errors="strict")
    except UnicodeDecodeError:
        raise _bad_client("the Authorization header is not valid HTTP Basic") from None


async def read_credentials(request: Request) -> Credentials:
    """Step 2 of the module's order: the client's id and secret, from HTTP Basic or the body.

    Raises `BadRequestError` (400 ``invalid_request``: a malformed form, a JSON body that is
    not an object, a missing or malformed id or secret, credentials both in the header and the
    body, RFC 6749 sections 2.3 and 5.2) and `UnauthenticatedError` ``invalid_client`` (401:
    no client authentication at all, another scheme, or Basic that cannot be decoded; section
    5.2)."""
    params, form = await _params(request)
    basic = _basic(request.headers.get("authorization", ""))
    if basic is None:
        where, given = "body", {k: params[k] for k in ("client_id", "client_secret") if k in params}
        if not given:
            raise _bad_client(
                "the client must authenticate: HTTP Basic, or client_id and client_secret"
            )
    else:
        # RFC 6749 section 2.3.1: one authentication method per request; a client_id beside
        # Basic may only repeat the header's.
        if "client_secret" in params:
            raise _problem("client_secret", "is given in the Authorization header already: use one")
        if params.get("client_id", basic[0]) != basic[0]:
            raise _problem("client_id", "is not the one in the Authorization header")
        where, given = "authorization", {"client_id": basic[0], "client_secret": basic[1]}
    try:
        found = _Credentials.model_validate(given)
    except ValidationError as invalid:
        raise _located(invalid, where) from None
    return Credentials(found.client_id, found.client_secret, basic is not None, params, form)


def check_grant(credentials: Credentials) -> None:
    """Step 5: the rest of the request, once the client proved who it is. The form needs
    ``grant_type=client_credentials`` (RFC 6749 section 4.4.2) and ignores other parameters
    (section 3.2); JSON keeps its strict body (`TokenRequest`: ``grant_type`` may be left out,
    an unknown member is refused). Raises `BadRequestError`: ``unsupported_grant_type`` for
    another grant type, ``invalid_request`` for anything else (400, section 5.2)."""
    grant = credentials.params.get("grant_type", GRANT_TYPE)
    if isinstance(grant, str) and grant != GRANT_TYPE:
        raise _refused(
            ["grant_type: only client_credentials is supported here"], UNSUPPORTED_GRANT_TYPE
        )
    model: type[BaseModel] = FormTokenRequest if credentials.form else TokenRequest
    params = dict(credentials.params)
    if credentials.basic and not credentials.form:
        params.update(client_id=credentials.client_id, client_secret=credentials.client_secret)
    try:
        model.model_validate(params)
    except ValidationError as invalid:
        raise _located(invalid) from None
