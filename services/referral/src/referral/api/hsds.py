"""HTTP routes of the directory as Open Referral HSDS 3.0: export (staff) and import (admin).

Paths follow HSDS's own API (``/organizations``, ``/organizations/{id}``) under
``/directory/hsds``; the answers are HSDS documents (validated against the vendored schema by
the tests), so a client built for HSDS reads them as they are.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Query
from hub_contracts.codes import BoundedInt
from hub_runtime.errors import NotFoundError
from hub_runtime.openapi_errors import errors
from hub_runtime.path_ids import PathId
from pydantic import BaseModel

from referral.api.edge import Edge
from referral.api.hsds_answers import HsdsOrganization, HsdsOrganizationPage, HsdsTaxonomyTerm
from referral.hsds import export, importing
from referral.hsds.taxonomy import Term, taxonomy_term
from referral.messages import ImportOrganizations
from referral.permissions import Admin, DirectoryStaff


class ImportOutcomeOut(BaseModel):
    """What the import did with one organization."""

    organization_id: UUID
    outcome: str
    ignored: list[str]
    may_receive_data: bool


def hsds_router(edge: Edge) -> APIRouter:
    """``/directory/hsds/...``: organizations (staff read, admins import), taxonomy terms."""
    router = APIRouter(prefix="/directory/hsds", tags=["directory (HSDS 3.0)"])

    @router.get(
        "/organizations",
        summary="The directory as HSDS 3.0 organizations with their services and the hub's"
        " attributes (a Page with contents); staff only",
    )
    async def organizations(
        who: DirectoryStaff,
        page: Annotated[int, Query(), BoundedInt(1, 100_000)] = 1,
        per_page: Annotated[int, Query(), BoundedInt(1, 500)] = 100,
    ) -> HsdsOrganizationPage:
        async with edge.reads() as uow:
            partners = await uow.partners.list_all()
        answer = export.page(partners, edge.clock.today(), page, per_page)
        return HsdsOrganizationPage.model_validate(answer)

    @router.get(
        "/organizations/{organization_id}",
        summary="One organization as HSDS 3.0 (staff only)",
        responses=errors(404),
    )
    async def organization(organization_id: PathId, who: DirectoryStaff) -> HsdsOrganization:
        async with edge.reads() as uow:
            partner = await uow.partners.get(organization_id)
        if partner is None:
            raise NotFoundError("the organization")
        answer = export.organization(partner, edge.clock.today())
        return HsdsOrganization.model_validate(answer)

    @router.get(
        "/taxonomy_terms",
        summary="The hub's taxonomy (the terms of the organizations' attributes), as HSDS"
        " taxonomy_term objects",
    )
    async def taxonomy_terms(who: DirectoryStaff) -> list[HsdsTaxonomyTerm]:
        return [HsdsTaxonomyTerm.model_validate(taxonomy_term(term)) for term in Term]

    @router.post(
        "/organizations",
        summary="Import HSDS 3.0 organizations (one object or a list; admin): creates or"
        " updates entries; never lifts an origin-authority classification, never makes an"
        " entry able to receive data",
        responses=errors(409),
    )
    async def import_organizations(
        who: Admin,
        body: Annotated[Any, Body(description="An HSDS 3.0 organization or a list of them")],
    ) -> list[ImportOutcomeOut]:
        # Validation against the 3.4 MB schema takes milliseconds per organization: off the
        # event loop, so other requests are not held up by a large import.
        parsed = await asyncio.to_thread(importing.parse, body)
        outcomes = await edge.bus.dispatch(ImportOrganizations(tuple(parsed), who.sub))
        return [ImportOutcomeOut.model_validate(asdict(o)) for o in outcomes]

    return router
