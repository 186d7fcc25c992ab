"""An id in a query parameter or a request body is its canonical UUID only, as a path id is (the
third and fourth trials: a path refused ``{ID}`` and upper case, a body or a query took them).

Checked on all four services running (in this process, on the real Kafka and PostgreSQL, over
real HTTP), from each service's own OpenAPI document, so a field added later is covered too:
every UUID a request may carry (a query parameter, a body field at any depth) is described with
the canonical pattern (`hub_contracts.ids.CanonicalUuid`), and each query parameter and each
body field that is an id (or a list of ids) is refused in every other form with the hub's
sentence, naming the field, never the value.
"""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hub_contracts.ids import CANONICAL_UUID
from hub_demo.inprocess import RunningHub

from .test_http_edges_everywhere import (
    CANONICAL,
    NON_CANONICAL,
    NOT_CANONICAL,
    PARAMETER,
    _known_partner,
    _tokens,
)

pytestmark = pytest.mark.integration

PATTERN = f"^{CANONICAL_UUID.pattern}$"


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def _uuids(
    document: dict[str, Any], schema: dict[str, Any], where: str, seen: frozenset[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(``where``, schema) of every string schema of format uuid under ``schema``."""
    ref = schema.get("$ref")
    if ref in seen:
        return
    resolved = _resolve(document, schema)
    seen = seen | ({ref} if ref else set())
    if resolved.get("format") == "uuid":
        yield where, resolved
    for name, child in (resolved.get("properties") or {}).items():
        yield from _uuids(document, child, f"{where}.{name}".lstrip("."), seen)
    if isinstance(resolved.get("items"), dict):
        yield from _uuids(document, resolved["items"], f"{where}[0]", seen)
    for key in ("anyOf", "oneOf", "allOf"):
        for child in resolved.get(key) or []:
            yield from _uuids(document, child, where, seen)


def _request_uuids(document: dict[str, Any]) -> Iterator[tuple[str, str, str, str]]:
    """(method, path template, "query" or "body", where) of every UUID a request carries
    outside its path, each checked to be described with the canonical pattern."""
    for template, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "query":
                    continue
                for where, schema in _uuids(document, parameter["schema"], "", frozenset()):
                    assert schema.get("pattern") == PATTERN, (method, template, parameter)
                    yield method, template, "query", parameter["name"] + where
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            for where, schema in _uuids(document, body["schema"], "", frozenset()):
                assert schema.get("pattern") == PATTERN, (method, template, where)
                yield method, template, "body", where


def _body_with(where: str, written: str) -> dict[str, Any]:
    """A body holding only ``written`` at ``where`` (``a.b``, ``ids[0]``): every other field
    may be missing, the refusal lists each fault."""
    body: dict[str, Any] = {}
    node = body
    parts = where.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part.removesuffix("[0]"), {})
    last = parts[-1]
    node[last.removesuffix("[0]")] = [written] if last.endswith("[0]") else written
    return body


async def test_ids_in_queries_and_bodies_are_their_canonical_form_only(
    running_hub: RunningHub,
) -> None:
    partner_id = await _known_partner(running_hub)
    tokens = _tokens(running_hub, partner_id)
    checked: dict[str, int] = {"query": 0, "body": 0}
    async with httpx.AsyncClient(timeout=30) as http:
        for runtime in running_hub.runtimes:
            document = (await http.get(runtime.base_url + "/openapi.json")).json()
            for method, template, place, where in _request_uuids(document):
                path = PARAMETER.sub(CANONICAL, template)
                for written in NON_CANONICAL:
                    answer = None
                    for headers in tokens:
                        if place == "query":
                            answer = await http.request(
                                method.upper(),
                                runtime.base_url + path,
                                params={where: written},
                                headers=headers,
                            )
                        else:
                            answer = await http.request(
                                method.upper(),
                                runtime.base_url + path,
                                json=_body_with(where, written),
                                headers=headers,
                            )
                        if answer.status_code not in (401, 403):
                            break
                    assert answer is not None
                    case = (runtime.definition.name, method, template, where, written)
                    assert answer.status_code == 422, (*case, answer.text)
                    named = f"query.{where}" if place == "query" else where
                    reasons: list[str] = answer.json()["reasons"]
                    assert f"{named}: {NOT_CANONICAL}" in " ".join(reasons), (*case, reasons)
                    assert written not in answer.text
                checked[place] += 1
    # gateway's deliveries and disclosures; casefile's disclosure, correction and duplicate
    # check; referral's consent and referral requests
    assert checked["query"] >= 3, checked
    assert checked["body"] >= 8, checked
