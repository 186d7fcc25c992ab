"""``/admin``: publishing a closed period now, and how many contributions exist (never cells)."""

from fastapi import APIRouter
from hub_runtime.openapi_errors import errors

from signals.api import answers as out
from signals.api.common import RELEASE, Admin, Bus
from signals.messages import CountContributions, CreateStaffAccount, PublishPeriod

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


@router.post("/staff", status_code=201, responses=errors(409, 422))
async def create_staff_account(body: out.NewStaffAccount, who: Admin, bus: Bus) -> out.StaffAccount:
    """Create a local dashboard account for an advocacy team member (until the council's
    OpenID Connect provider lands). The password is stored only as its Argon2id hash; 409
    ``account_exists`` for a taken username, 422 for a username, password or role that breaks
    the rules (`signals.domain.accounts`)."""
    message = CreateStaffAccount(body.username, body.password.get_secret_value(), body.role)
    created = await bus.dispatch(message)
    return out.StaffAccount(
        account_id=created.account_id, username=created.username, role=created.role
    )
