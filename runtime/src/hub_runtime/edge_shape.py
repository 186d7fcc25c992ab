"""What an operation does not take is refused, never ignored (the sixth new user's trial): a
body sent to an operation that declares none, a query parameter it does not declare, a scalar
query parameter given twice. Written once, as a dependency of every route of an app built by
`hub_runtime.http.create_app` (`refuse_what_is_not_taken`), so every service has it; each
refusal is 400 in the hub's `hub_runtime.edge.ErrorBody`, before any other dependency (auth
included) and before the handler runs, so nothing was changed.

- **A body** (any byte, of any type, with any method) to an operation whose OpenAPI description
  has no request body: 400 ``body_not_expected``. The description decides: FastAPI's body
  parameters of the route, or the ``requestBody`` a route that reads its own body declares in
  ``openapi_extra`` (the gateway's OAuth token endpoint). A client that sent one believed it
  meant something: a consent's withdrawal with a JSON body answered 200. (RFC 9110 sections
  9.3.1 and 9.3.5: content in a GET or a DELETE has no defined meaning.)
- **A query parameter the operation does not declare**: 400 ``unknown_query_parameter``. The
  answer never repeats its name or its value (a name can be typed personal data, the rule the
  hub keeps for an unknown JSON member, `hub_runtime.validation_reasons.UNKNOWN_FIELD`); it
  names the parameters the operation takes, which are ours.
- **A declared scalar query parameter given twice** (``?limit=1&limit=2``, of which FastAPI
  read the last): 400 ``query_parameter_repeated``, naming the parameter (ours). A list-typed
  parameter (casefile's ``?type=a&type=b``) repeats by design.

Not applied to paths under ``form_prefixes`` (`hub_runtime.edge.under_prefixes`): the gateway's
token endpoint parses its own form or JSON, ignoring parameters it does not know (RFC 6749
section 3.2). Under ``page_prefixes`` the staff pages (``/dashboard``, ``/portal``) read their
own forms (`hub_runtime.staff_pages.form_fields`) and their own query, with one rule of the
edge's: **a query parameter given twice** (``?period=2026-10&period=2026-11``, of which the
dashboard read the last and the portal the first) is 400 ``query_parameter_repeated``, which a
browser sees as the page's own error page in its language (`hub_runtime.edge_pages`). It is
named only when the page's route declares it (a name the page does not know could be typed
personal data). A parameter a page does not know is not refused there (`_check_page_query`).

The API descriptions (``/openapi.json``, ``/docs``, ``/redoc``) are no FastAPI operations (no
dependency runs for them); `refuse_on_descriptions` gives them the same rules: they take no
query parameter and no body (they accepted ``?x=`` with 200 while every route refused it).
Swagger UI's ``/docs/oauth2-redirect`` is left as it is: its query is an authorization
server's answer (RFC 6749 section 4.1.2), whose parameters the hub does not choose.

A route's parameters are those of ``scope["route"]``'s dependant: its endpoint's and those of
the dependencies given to its router or its decorator; a query parameter declared by a
dependency given to ``include_router(dependencies=...)`` would not be seen (no service gives
one).
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi._compat import field_annotation_is_sequence
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_flat_params, get_validation_alias
from fastapi.routing import APIRoute
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub_runtime.edge import under_prefixes
from hub_runtime.errors import BadRequestError
from hub_runtime.openapi_errors import dependants, raises

UNKNOWN_QUERY_PARAMETER = (
    "has a parameter this operation does not take (an unknown parameter's name is not repeated:"
    " it could be personal data; the API description lists the parameters)"
)


@dataclass(frozen=True)
class Takes:
    """What an operation takes: a request body or not, its query parameters (their names on
    the wire, in declaration order) and those of them that may repeat (list-typed)."""

    body: bool
    query: tuple[str, ...]
    repeatable: frozenset[str]


def takes(route: APIRoute) -> Takes:
    """What ``route``'s OpenAPI operation declares: a ``requestBody`` (its body parameters or
    ``openapi_extra``), and its query parameters as FastAPI reads them (a model's fields for a
    Pydantic model of query parameters; the alias where one is given)."""
    declared = [field for d in dependants(route.dependant) for field in d.query_params]
    fields = get_flat_params(Dependant(query_params=declared))
    names = tuple(dict.fromkeys(get_validation_alias(field) for field in fields))
    # FastAPI's own (private) test of a list-typed parameter, so that "may repeat" means what
    # FastAPI reads as a list; pinned by uv.lock, and if it moves the import fails every
    # service's start and every test, never silently.
    repeatable = frozenset(
        get_validation_alias(field)
        for field in fields
        if field_annotation_is_sequence(field.field_info.annotation)
    )
    body = route.body_field is not None or "requestBody" in (route.openapi_extra or {})
    return Takes(body=body, query=names, repeatable=repeatable)


def refuse_what_is_not_taken(
    form_prefixes: Sequence[str], page_prefixes: Sequence[str] = ()
) -> Callable[[Request], Awaitable[None]]:
    """The app-level dependency (`hub_runtime.http.create_app`) that refuses, with
    `BadRequestError` (400), a body, an unknown query parameter or a repeated scalar one that
    the request's operation does not take (see the module docstring); paths under
    ``form_prefixes`` pass untouched, those under ``page_prefixes`` are refused a repeated
    query parameter only."""
    known: dict[int, Takes] = {}  # per route (the app's routes live as long as it does)

    @raises(400)
    async def refuse_unknown(request: Request) -> None:
        route = request.scope.get("route")
        path = request.scope["path"]
        if not isinstance(route, APIRoute) or under_prefixes(path, form_prefixes):
            return
        taken = known.get(id(route))
        if taken is None:
            taken = known[id(route)] = takes(route)
        if under_prefixes(path, page_prefixes):
            _check_page_query(request, taken)
            return
        await _check(request, taken)

    return refuse_unknown


NOTHING = Takes(body=False, query=(), repeatable=frozenset())
"""What an API description's page takes: no body, no query parameter."""


def refuse_on_descriptions(app: FastAPI) -> None:
    """Give ``app``'s API descriptions (its ``openapi_url``, ``docs_url`` and ``redoc_url``,
    plain Starlette routes) the rules of every operation: a body or any query parameter is
    400 ``body_not_expected`` or ``unknown_query_parameter`` (`BadRequestError`, answered by
    the app's handler in the hub's shape). Call once, after FastAPI has added them."""
    paths = {app.openapi_url, app.docs_url, app.redoc_url} - {None}
    for route in app.router.routes:
        if isinstance(route, Route) and not isinstance(route, APIRoute) and route.path in paths:
            route.app = _taking_nothing(route.app)


def _taking_nothing(page: ASGIApp) -> ASGIApp:
    async def checked(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        body = await request.body()
        await _check(request, NOTHING)

        async def replay() -> Message:  # the body once more, for the page (it reads none)
            return {"type": "http.request", "body": body, "more_body": False}

        await page(scope, replay, send)

    return checked


async def _check(request: Request, taken: Takes) -> None:
    """Raises `BadRequestError` for a body ``taken`` has none of, then as `_check_query`."""
    if not taken.body and await request.body():
        raise BadRequestError(
            "this operation takes no request body: send it without one",
            code="body_not_expected",
            reasons=["body: this operation takes no request body"],
        )
    _check_query(request, taken)


def _check_page_query(request: Request, taken: Takes) -> None:
    """Raises `BadRequestError` ``query_parameter_repeated`` for any query parameter of a
    staff page given more than once (even one the page does not declare: a page reads its own
    query, and which value it would read is a guess); the name is given only if declared."""
    # A parameter the page does not know passes, unlike on an API operation: links to a page
    # are followed by people, from mail and chat that add their own (utm_source, fbclid, a
    # proxy's), and the page reads only the names it knows, so an extra one changes nothing a
    # person could mistake; refusing it would turn a working link into an error page.
    given = request.query_params
    repeated = [name for name in dict.fromkeys(given.keys()) if len(given.getlist(name)) > 1]
    if not repeated:
        return
    named = [name for name in repeated if name in taken.query]
    reasons = [f"query.{name}: is given more than once" for name in named]
    if len(named) < len(repeated):
        reasons.append(f"query: {REPEATED_UNDECLARED}")
    raise BadRequestError(
        "a query parameter is given more than once; this page reads each of them once",
        code="query_parameter_repeated",
        reasons=reasons,
    )


REPEATED_UNDECLARED = (
    "has a parameter given more than once (its name is not repeated: it could be personal data)"
)


def _check_query(request: Request, taken: Takes) -> None:
    """Raises `BadRequestError` for a query parameter ``taken`` does not list (never naming it)
    or a scalar one given more than once (naming it: its name is the operation's)."""
    given = request.query_params
    if any(name not in taken.query for name in given):
        listed = (
            f"this operation takes the query parameters: {', '.join(taken.query)}"
            if taken.query
            else "this operation takes no query parameters"
        )
        raise BadRequestError(
            f"the query has a parameter this operation does not take; {listed}",
            code="unknown_query_parameter",
            reasons=[f"query: {UNKNOWN_QUERY_PARAMETER}"],
        )
    repeated = [
        name
        for name in taken.query
        if name not in taken.repeatable and len(given.getlist(name)) > 1
    ]
    if repeated:
        raise BadRequestError(
            f"a query parameter is given more than once ({', '.join(repeated)}); this"
            " operation reads each of them once",
            code="query_parameter_repeated",
            reasons=[f"query.{name}: is given more than once" for name in repeated],
        )
