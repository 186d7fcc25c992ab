"""HTTP routes about a case: the service's view of it, its disclosures and its commands."""

from __future__ import annotations

from fastapi import APIRouter
from hub_runtime.errors import NotFoundError
from hub_runtime.path_ids import PathId

from referral.api.edge import Edge
from referral.api.models import CaseViewOut, CommandReceiptOut, DisclosureOut
from referral.permissions import Coordinator, Staff


def cases_router(edge: Edge) -> APIRouter:
    """``/cases/{case_id}/view`` and ``/cases/{case_id}/disclosures`` (counsellors,
    coordinators), ``/cases/{case_id}/commands`` (coordinators, admins)."""
    router = APIRouter(tags=["referrals"])

    @router.get(
        "/cases/{case_id}/view",
        summary="What the referral service knows of the case (from the case file's events)",
    )
    async def case_view(case_id: PathId, who: Staff) -> CaseViewOut:
        # The view follows the case file through Kafka: a tool that just recorded a decision
        # can see here whether it has arrived before it asks for a referral.
        async with edge.reads() as uow:
            view = await uow.cases.get(case_id)
        if view is None:
            raise NotFoundError(
                "the case (it has not reached the referral service yet)", code="case_not_found"
            )
        return CaseViewOut.of(view)

    @router.get(
        "/cases/{case_id}/disclosures",
        summary="Every disclosure of the person's data: the right to know one's recipients",
    )
    async def disclosures(case_id: PathId, who: Staff) -> list[DisclosureOut]:
        async with edge.reads() as uow:
            rows = await uow.disclosures.of_case(case_id)
        return [DisclosureOut.model_validate(row) for row in rows]

    @router.get(
        "/cases/{case_id}/commands",
        summary="Every Kafka command applied to the case: staff member, tool and Kafka principal",
    )
    async def commands(case_id: PathId, who: Coordinator) -> list[CommandReceiptOut]:
        # Kafka carries no token: this is the audit of who asked through which tool.
        async with edge.reads() as uow:
            rows = await uow.command_receipts.of_case(case_id)
        return [CommandReceiptOut.of(row) for row in rows]

    return router
