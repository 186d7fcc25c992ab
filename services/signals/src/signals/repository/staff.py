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
    """A signed-in session as stored: ``token_hash`` is the SHA-256 of the cookie's value. It
    belongs to a local account (``account_id``) or, signed in at the council's OpenID Connect
    provider, to ``provider_name`` with the dashboard role ``provider_role`` mapped at sign-in.
    """

    token_hash: str
    account_id: UUID | None
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    provider_name: str | None = None
    provider_role: str | None = None


@dataclass(frozen=True)
class ProviderSignIn:
    """A sign-in under way at the provider: ``flow_hash`` is the SHA-256 of the browser's flow
    cookie; ``state``, ``nonce`` and ``code_verifier`` are `hub_runtime.oidc_login.LoginStart`'s.
    """

    flow_hash: str
    state: str
    nonce: str
    code_verifier: str
    created_at: datetime


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

    async def add_provider_sign_in(self, flow: ProviderSignIn, forget_before: datetime) -> None:
        """Store a sign-in under way; those created before ``forget_before`` are dropped."""
        ...

    async def take_provider_sign_in(self, flow_hash: str) -> ProviderSignIn | None:
        """The sign-in under way of this flow hash, deleted as it is read (used once), or None."""
        ...
