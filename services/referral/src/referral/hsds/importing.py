"""An HSDS 3.0 organization as what the directory's import may take from it.

Two checks, both answered as 422 in the hub's one error shape with one reason per problem
(path and what is wrong, never the submitted value):
1. the document against the vendored official schema (`referral.hsds.schema`);
2. what the hub keeps, against the directory's own types (`referral.bodies`: the one text
   type, bounded lists without repeats, closed codes).
Kept: ``id``, ``name``, ``description``, each service's ``name``, and the attributes of the
hub's taxonomy an import takes (`taxonomy.TERMS`, ``imported``). Not kept: every other HSDS
field (locations, phones, contacts, ...) and other taxonomies' attributes. The hub's
export-only terms (standing, agreement, data categories) are read only to report them as
ignored: an import never decides who may receive data.
"""

from __future__ import annotations

from typing import Any, NoReturn
from uuid import UUID

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from referral.bodies import HsdsOrganization
from referral.hsds import schema
from referral.hsds.taxonomy import TERM_BY_ID, TERMS, Term

MAX_ORGANIZATIONS = 50
"""Organizations in one import (one transaction); a larger directory is sent in parts. The
body limit of every route (``HUB_MAX_BODY_BYTES``, 256 KiB: 413 ``payload_too_large``) holds
too: about 30 organizations as this service exports them."""


# Where each kept value came from in the HSDS document, for the reasons of check 2.
_SOURCE = {
    "organization_id": "id",
    "name": "name",
    "description": "description",
    "services": "services",
    "partner_type": "attributes[partner_type]",
    "countries": "attributes[country]",
    "purposes": "attributes[purpose]",
}


def parse(body: Any) -> list[HsdsOrganization]:
    """One HSDS organization (a JSON object) or a list of them, checked; raises
    `RequestValidationError` (422 ``invalid_request``, every reason) when any is not valid."""
    documents = body if isinstance(body, list) else [body]
    if not documents or len(documents) > MAX_ORGANIZATIONS:
        _refuse([_error((), f"send 1 to {MAX_ORGANIZATIONS} HSDS organizations per import")])
    errors = [
        _error((index, *path), what)
        for index, document in enumerate(documents)
        for path, what in schema.problems("organization", document)
    ]
    if errors:
        _refuse(errors)
    parsed: list[HsdsOrganization] = []
    for index, document in enumerate(documents):
        try:
            parsed.append(HsdsOrganization.model_validate(_kept(document)))
        except ValidationError as invalid:
            errors.extend(_relocated(index, e) for e in invalid.errors())
    ids = [p.organization_id for p in parsed]
    if len(set(ids)) != len(ids):
        errors.append(_error((), "each organization id at most once per import"))
    if errors:
        _refuse(errors)
    return parsed


def _kept(document: dict[str, Any]) -> dict[str, Any]:
    values: dict[Term, list[Any]] = {term: [] for term in Term}
    for attribute in document.get("attributes", []):
        term = _term_of(attribute)
        if term is not None:
            values[term].append(attribute.get("value"))
    kinds = values[Term.PARTNER_TYPE]
    return {
        "organization_id": document["id"],
        "name": document["name"],
        "description": document["description"] or None,
        "services": [service["name"] for service in document.get("services", [])],
        # Two kinds for one organisation is a contradiction: the list fails as a value.
        "partner_type": (kinds[0] if len(kinds) == 1 else kinds) if kinds else None,
        "countries": values[Term.COUNTRY],
        "purposes": values[Term.PURPOSE] or None,
        "claims_origin_authority": "true" in values[Term.EVER_ORIGIN_AUTHORITY],
        "export_only": tuple(t for t in Term if values[t] and not TERMS[t].imported),
    }


def _term_of(attribute: dict[str, Any]) -> Term | None:
    """The hub's term an attribute names (by ``taxonomy_term_id`` or its ``taxonomy_term``);
    None for another taxonomy's."""
    nested = attribute.get("taxonomy_term") or {}
    for candidate in (attribute.get("taxonomy_term_id"), nested.get("id")):
        if candidate is not None and UUID(candidate) in TERM_BY_ID:
            return TERM_BY_ID[UUID(candidate)]
    return None


def _relocated(index: int, error: Any) -> dict[str, Any]:
    field, *rest = error["loc"]
    return {**error, "loc": ("body", index, _SOURCE.get(str(field), str(field)), *rest)}


def _error(path: tuple[str | int, ...], what: str) -> dict[str, Any]:
    # The shape of a pydantic error, so the edge's one renderer (hub_runtime.http) writes the
    # reason; ``input`` lets it drop a sentence that would quote the input.
    return {"type": "value_error", "loc": ("body", *path), "ctx": {"error": what}, "input": ""}


def _refuse(errors: list[dict[str, Any]]) -> NoReturn:
    raise RequestValidationError(errors)
