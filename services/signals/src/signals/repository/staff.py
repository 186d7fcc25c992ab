"""What handlers need of the staff accounts' storage (a Protocol) and its records.

PostgreSQL: `signals.repository.postgres_staff`; in memory: `signals.fakes.FakeStaff`.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from hub_runtime.errors import ConflictError


@dataclass(frozen=True)
class StaffAccount:
    """An advocacy team member's account: ``role`` is ``advocacy`` or ``admin``;
    ``password_hash`` an Argon2id PHC string."""

    account_id: UUID
    username: str
    password_hash: str
    role: str


@dataclass(frozen=True)
class StaffSession:
    """A signed-in session as stored: ``token_hash`` is the SHA-256 of the cookie's value."""

    token_hash: str
    account_id: UUID
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime


class AccountExistsError(ConflictError):
    """The username is taken (HTTP 409)."""

    default_code = "account_exists"


class StaffRepository(Protocol):
    """Accounts, sessions and failed sign-ins (``staff_*``, ``sign_in_failures``)."""

    async def add_account(self, account: StaffAccount) -> None:
        """Store a new account. Raises `AccountExistsError` when the username is taken."""
        ...

    async def account_by_username(self, username: str) -> StaffAccount | None:
        """The account of ``username``, or None."""
        ...

    async def account_by_id(self, account_id: UUID) -> StaffAccount | None:
        """The account ``account_id``, or None."""
        ...

    async def failures_since(self, username_hash: str, since: datetime) -> list[datetime]:
        """When sign-ins for this username hash failed at or after ``since``."""
        ...

    async def record_failure(self, username_hash: str, at: datetime) -> None:
        """Note one failed sign-in (failures older than a day are dropped on the way)."""
        ...

    async def clear_failures(self, username_hash: str) -> None:
        """Forget the failures of a username (after a successful sign-in)."""
        ...

    async def add_session(self, session: StaffSession) -> None:
        """Store a new session."""
        ...

    async def session(self, token_hash: str) -> StaffSession | None:
        """The session whose cookie hashes to ``token_hash``, or None."""
        ...

    async def touch_session(self, token_hash: str, at: datetime) -> None:
        """Set the session's ``last_seen_at`` (the idle timeout counts from it)."""
        ...

    async def end_session(self, token_hash: str) -> None:
        """Delete the session (sign-out or timeout); no error when it is gone already."""
        ...
