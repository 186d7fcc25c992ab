"""Who may do what: one table for the HTTP API (bearer token) and the Kafka commands (`role`)."""

from typing import Annotated

from fastapi import Depends
from hub_runtime.auth import Principal, Role, requires

STAFF: tuple[Role, ...] = (Role.COUNSELLOR, Role.COORDINATOR)
"""Record and withdraw consents, request referrals, read them."""

REVIEWERS: tuple[Role, ...] = (Role.COORDINATOR,)
"""Decide on a referral awaiting review (approve, override with a reason, refuse)."""

READERS: tuple[Role, ...] = (Role.COUNSELLOR, Role.COORDINATOR, Role.ADMIN, Role.SERVICE)
"""Read the partner directory."""

DIRECTORY_STAFF: tuple[Role, ...] = (Role.COUNSELLOR, Role.COORDINATOR, Role.ADMIN)
"""Read the directory as Open Referral HSDS (it lists origin-country authorities, with their
standing: staff only; no partner, and no service that does not need it)."""

PARTNER_ADMINS: tuple[Role, ...] = (Role.ADMIN,)
"""Register and change partners, and read the audit of their changes."""

# The HTTP routes' principals, typed (FastAPI dependencies; the app calls `auth.install`).
Staff = Annotated[Principal, Depends(requires(*STAFF))]
"""A counsellor or coordinator (401 without a valid token, 403 for another role)."""
Coordinator = Annotated[Principal, Depends(requires(*REVIEWERS))]
"""A coordinator."""
Reader = Annotated[Principal, Depends(requires(*READERS))]
"""Anyone who may read the partner directory."""
DirectoryStaff = Annotated[Principal, Depends(requires(*DIRECTORY_STAFF))]
"""A member of staff who may read the HSDS export (403 for a partner)."""
Admin = Annotated[Principal, Depends(requires(*PARTNER_ADMINS))]
"""An admin of the partner directory."""
