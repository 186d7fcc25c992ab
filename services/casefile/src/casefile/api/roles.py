"""Who may call what: typed auth aliases for route signatures (`hub_runtime.auth.requires`)."""

from typing import Annotated

from fastapi import Depends
from hub_runtime.auth import Principal, Role, requires
from hub_runtime.openapi_errors import errors

Worker = Annotated[Principal, Depends(requires(Role.COUNSELLOR, Role.COORDINATOR))]
"""Counsellors and coordinators: they work on cases."""
Reader = Annotated[Principal, Depends(requires(Role.COUNSELLOR, Role.COORDINATOR, Role.ADMIN))]
"""Who may read a case (admins without its personal data)."""
Manager = Annotated[Principal, Depends(requires(Role.COORDINATOR, Role.ADMIN))]
"""Who may erase a person and read the erasure trace and the access log."""
Service = Annotated[Principal, Depends(requires(Role.SERVICE))]
"""The hub's own services (the gateway's disclosure call, referral's read-your-writes)."""

PERSONAL_READERS = (Role.COUNSELLOR, Role.COORDINATOR)
"""Roles that see the person's data in a case view."""

# Error statuses a route's handler answers beyond those the edge derives (see
# hub_runtime.openapi_errors): 410 once the person was erased, 409 for a refused change.
GONE = errors(410)
CONFLICT = errors(409)
REFUSED_OR_GONE = errors(409, 410)
