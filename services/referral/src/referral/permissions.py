"""Who may do what: one table for the HTTP API (bearer token) and the Kafka commands (`role`)."""

from hub_runtime.auth import Role

STAFF: tuple[Role, ...] = (Role.COUNSELLOR, Role.COORDINATOR)
"""Record and withdraw consents, request referrals, read them."""

REVIEWERS: tuple[Role, ...] = (Role.COORDINATOR,)
"""Decide on a referral awaiting review (approve, override with a reason, refuse)."""

READERS: tuple[Role, ...] = (Role.COUNSELLOR, Role.COORDINATOR, Role.ADMIN, Role.SERVICE)
"""Read the partner directory."""

PARTNER_ADMINS: tuple[Role, ...] = (Role.ADMIN,)
"""Register and change partners, and read the audit of their changes."""
