"""The shapes of the HSDS 3.0 answers, for the OpenAPI document and typed clients.

The subset of HSDS 3.0 (``referral/hsds/schema``: ``organization``, ``service``,
``attribute``, ``taxonomy_term``, ``taxonomy``, and ``Page`` of HSDS's ``openapi.json``) that
the export writes. The vendored official schema stays the authority: the tests validate the
answers against it; these models only describe them (and check them on the way out).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class _Hsds(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HsdsTaxonomy(_Hsds):
    """HSDS ``taxonomy``: the hub's own taxonomy of directory attributes."""

    id: str
    name: str
    description: str
    uri: str
    version: str


class HsdsTaxonomyTerm(_Hsds):
    """HSDS ``taxonomy_term``: one term of the hub's taxonomy (its code is the hub's field)."""

    id: str
    code: str
    name: str
    description: str
    taxonomy: str
    taxonomy_id: str
    taxonomy_detail: HsdsTaxonomy
    language: str


class HsdsAttribute(_Hsds):
    """HSDS ``attribute``: one of the hub's fields of an organization, as a term and a value."""

    id: str
    link_id: str
    link_entity: Literal["organization"]
    taxonomy_term_id: str
    taxonomy_term: HsdsTaxonomyTerm
    value: str


class HsdsService(_Hsds):
    """HSDS ``service``: a service the organization offers (by name)."""

    id: str
    organization_id: str
    name: str
    status: Literal["active", "inactive"]


class HsdsOrganization(_Hsds):
    """HSDS ``organization`` with its ``services`` and the hub's ``attributes``."""

    id: str
    name: str
    description: str
    services: list[HsdsService]
    attributes: list[HsdsAttribute]


class HsdsOrganizationPage(_Hsds):
    """HSDS ``Page`` of organizations (``/organizations``), pages counted from 1."""

    total_items: int
    total_pages: int
    page_number: int
    size: int
    first_page: bool
    last_page: bool
    empty: bool
    contents: list[HsdsOrganization]
