"""``/admin``: publishing a closed period now, and how many contributions exist (never cells)."""

from fastapi import APIRouter

from signals.api import answers as out
from signals.api.common import RELEASE, Admin, Bus
from signals.messages import CountContributions, PublishPeriod

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/contributions")
async def contributions(who: Admin, bus: Bus) -> out.Contributions:
    """How many contributions exist per period and table (operations; never cells)."""
    counted = await bus.dispatch(CountContributions())
    return out.Contributions.model_validate({"contributions": counted})


@router.post("/periods/{period}/publish", responses=RELEASE)
async def publish(period: str, who: Admin, bus: Bus) -> out.Release:
    """Publish a closed period now; a second call returns the stored release unchanged (the
    release is never revised, so no Idempotency-Key is needed)."""
    tables = await bus.dispatch(PublishPeriod(period))
    return out.Release.model_validate({"period": period, "tables": tables})
