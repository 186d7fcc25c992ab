"""Helpers of the HSDS tests: the vendored schema, strict and as published, and documents."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from referral.hsds import schema
from referral.hsds.taxonomy import Term, term_id

ORGANIZATIONS = "/directory/hsds/organizations"


def strict(node: Any) -> Any:
    """The schema with ``additionalProperties: false`` on every object that lists its
    properties, as HSDS's own CI checks its examples: a misspelt field fails too."""
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: strict(value) for key, value in node.items()}
    if isinstance(out.get("properties"), dict) and out.get("type") == "object":
        out["additionalProperties"] = False
    return out


def problems(name: str, document: Any, *, strict_schema: bool = False) -> list[str]:
    """Every error of ``document`` against the vendored schema ``name`` (as published, or
    strict), validated with the class of the dialect HSDS declares."""
    loaded = schema.load(name)
    cls = schema.validator_class()
    validator = cls(
        strict(copy.deepcopy(loaded)) if strict_schema else loaded,
        format_checker=cls.FORMAT_CHECKER,
    )
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def attribute(term: str, value: str) -> dict[str, Any]:
    """An attribute of the hub's taxonomy, as an outside system would write it (id only)."""
    return {"id": str(uuid.uuid4()), "taxonomy_term_id": str(term_id(Term(term))), "value": value}


def values(organization: dict[str, Any], term: str) -> list[str]:
    """The values of the hub's term among an exported organization's attributes."""
    wanted = str(term_id(Term(term)))
    return [a["value"] for a in organization["attributes"] if a["taxonomy_term_id"] == wanted]


def organization(**overrides: Any) -> dict[str, Any]:
    """A valid HSDS 3.0 organization from another system: HSDS fields the hub does not keep
    (email, website, phones, a foreign taxonomy's attribute) and the hub's own terms."""
    oid = str(uuid.uuid4())
    document: dict[str, Any] = {
        "id": oid,
        "name": "Stichting Terugkeer Hulp",
        "description": "Return counselling and reintegration support.\nOffices in NL and IQ.",
        "email": "info@example.org",
        "website": "https://example.org",
        "phones": [{"id": str(uuid.uuid4()), "number": "+31 20 000 0000"}],
        "services": [
            {"id": str(uuid.uuid4()), "organization_id": oid, "name": n, "status": "active"}
            for n in ("return counselling", "reintegration grants")
        ],
        "attributes": [
            attribute("partner_type", "ngo"),
            attribute("country", "NL"),
            attribute("country", "IQ"),
            attribute("purpose", "return_counselling"),
            attribute("purpose", "reintegration_support"),
            {
                "id": str(uuid.uuid4()),
                "taxonomy_term_id": str(uuid.uuid4()),
                "taxonomy_term": {
                    "id": str(uuid.uuid4()),
                    "name": "Returnees",
                    "description": "A term of another taxonomy (not kept).",
                },
            },
        ],
    }
    document.update(overrides)
    return document
