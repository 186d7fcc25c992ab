"""Every error status a route can answer, in its OpenAPI operation, with the hub's `ErrorBody`.

The statuses are derived from the route itself, so a new route is documented without anyone
listing them by hand:
- a request body is possible (POST, PUT, PATCH, DELETE): 408 (the body did not arrive in
  time), 413 (size), 415 (not JSON) and 422 (malformed JSON, duplicate keys), all answered by
  the edge middleware;
- any parameter (path, query, header, body): 422, the validation error;
- a path parameter: 404 (it names something that may not exist);
- a dependency or endpoint marked with `raises(...)` (the auth dependency: 401, 403; the
  app-level one of `hub_runtime.edge_shape`: 400 on every route, for a body, a query parameter
  or a repeated one the operation does not take);
- whatever the route declared itself with `responses=errors(409, 410)`;
- 503 everywhere: the edge refuses requests beyond its in-flight limit (backpressure), and a
  database or broker failure under a request answers 503 too (`http`'s infrastructure handler).
- 414 and 431 everywhere: a request target or header fields longer than the edge takes
  (`hub_runtime.edge_limits.HeadLimitMiddleware`).
FastAPI's default 422 schema (`HTTPValidationError`) is replaced by `ErrorBody`, which is what
the hub really answers.
"""

from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from hub_runtime.edge import ErrorBody

F = TypeVar("F", bound=Callable[..., Any])

_MARK = "__hub_error_statuses__"
_NEVER = "__hub_error_statuses_never__"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_REF = "#/components/schemas/ErrorBody"
_FASTAPI_DEFAULTS = ("HTTPValidationError", "ValidationError")
_INVALID = (
    "Invalid request: a parameter or the body fails validation, or the body is not"
    " strict JSON (malformed, a duplicate key, NaN, an unpaired surrogate)"
)


def raises(*statuses: int) -> Callable[[F], F]:
    """Mark a dependency (or an endpoint) with the error statuses it can answer; every route
    that uses it documents them."""

    def mark(function: F) -> F:
        setattr(function, _MARK, frozenset(statuses) | getattr(function, _MARK, frozenset()))
        return function

    return mark


def never_answers(*statuses: int) -> Callable[[F], F]:
    """Mark an endpoint with error statuses the rules above would list but it never answers:
    e.g. the OAuth token endpoint, whose invalid requests are 400 (RFC 6749 section 5.2),
    never 422."""

    def mark(function: F) -> F:
        setattr(function, _NEVER, frozenset(statuses))
        return function

    return mark


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route decorator: statuses its handler can answer (409, 410, ...)."""
    return {status: {"model": ErrorBody, "description": _phrase(status)} for status in statuses}


def route_error_statuses(route: Any) -> set[int]:
    """The error statuses `route` (an `APIRoute` or FastAPI's view of an included one) can
    answer (see the module docstring for the rules)."""
    statuses = {int(s) for s in route.responses if str(s).isdigit() and int(s) >= 400}
    for dependant in dependants(route.dependant):
        if dependant.call is not None:
            statuses |= getattr(dependant.call, _MARK, frozenset())
        if dependant.path_params:
            statuses.add(404)
        if (
            dependant.path_params
            or dependant.query_params
            or dependant.header_params
            or dependant.cookie_params
            or dependant.body_params
        ):
            statuses.add(422)
    if (route.methods or set()) & _BODY_METHODS:
        statuses |= {408, 413, 415, 422}
    statuses |= {414, 431}  # the edge's limits on the request target and header fields
    statuses.add(503)  # the edge's backpressure: too many requests in flight
    return statuses - getattr(route.endpoint, _NEVER, frozenset())


def dependants(dependant: Dependant) -> Iterator[Dependant]:
    """``dependant`` and every dependency under it, depth first (FastAPI's tree of a route)."""
    yield dependant
    for sub in dependant.dependencies:
        yield from dependants(sub)


def install(app: FastAPI) -> None:
    """Make `app.openapi()` document the errors of every route (computed when the document is
    generated, so routers included after `create_app` are covered)."""
    generate = app.openapi
    done: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        # FastAPI regenerates its document when routes were added since the last call.
        document = generate()
        if not done or done[0] is not document:
            document_errors(app, document)
            done[:] = [document]
        return document

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override


def document_errors(app: FastAPI, document: dict[str, Any]) -> None:
    """Add every route's error statuses to `document` (FastAPI's OpenAPI dict), in place."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorBody"] = ErrorBody.model_json_schema(
        ref_template="#/components/schemas/{model}", mode="serialization"
    )
    for route in _api_routes(app):
        operations = document["paths"].get(route.path_format, {})
        for method in route.methods or ():
            operation = operations.get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status in route_error_statuses(route):
                responses.setdefault(str(status), {"description": _phrase(status)})
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400 and _is_hub_error(response):
                    response["content"] = {"application/json": {"schema": {"$ref": _REF}}}
            if "422" in responses:
                responses["422"]["description"] = _INVALID
            operation["responses"] = dict(sorted(responses.items()))
    for name in _FASTAPI_DEFAULTS:
        schemas.pop(name, None)


def _api_routes(app: FastAPI) -> Iterator[Any]:
    """Every documented API route as FastAPI sees it after `include_router` (prefix, router
    dependencies and responses merged in), the way `get_openapi` walks them."""
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute) and context.include_in_schema:
            yield context


def _is_hub_error(response: dict[str, Any]) -> bool:
    """True unless the route documented another model for this status (e.g. /ready's 503)."""
    # Any media type: /ready documents its 503 as application/health+json.
    content: dict[str, Any] = response.get("content", {})
    media: dict[str, Any] = next(iter(content.values()), {})
    schema: dict[str, Any] = media.get("schema", {})
    ref = str(schema.get("$ref", ""))
    return not ref or ref == _REF or ref.rsplit("/", 1)[-1] in _FASTAPI_DEFAULTS


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"
