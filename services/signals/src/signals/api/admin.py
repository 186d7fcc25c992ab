"""``/admin``: publishing a closed period now, and how many contributions exist (never cells)."""

from typing import Any

from fastapi import APIRouter

from signals.api.common import RELEASE, Admin, Bus
from signals.messages import CountContributions, PublishPeriod

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/contributions")
async def contributions(who: Admin, bus: Bus) -> dict[str, Any]:
    """How many contributions exist per period and table (operations; never cells)."""
    return {"contributions": await bus.dispatch(CountContributions())}


@router.post("/periods/{period}/publish", responses=RELEASE)
async def publish(period: str, who: Admin, bus: Bus) -> dict[str, Any]:
    """Publish a closed period now; a second call returns the stored release unchanged (the
    release is never revised, so no Idempotency-Key is needed)."""
    return {"period": period, "tables": await bus.dispatch(PublishPeriod(period))}
