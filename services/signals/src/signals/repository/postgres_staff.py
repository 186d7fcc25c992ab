"""SQL of the advocacy team's local accounts, sessions and failed sign-ins."""

from datetime import datetime, timedelta
from uuid import UUID

from hub_runtime.db import Connection

from signals.repository.staff import (
    AccountExistsError,
    ProviderSignIn,
    StaffAccount,
    StaffSession,
)

_ACCOUNT = "SELECT account_id, username, password_hash, role FROM staff_accounts"
_SESSION = (
    "SELECT token_hash, account_id, csrf_token, created_at, last_seen_at, provider_name,"
    " provider_role FROM staff_sessions"
)


class PostgresStaff:
    """`StaffRepository` on ``staff_accounts``, ``staff_sessions`` and ``sign_in_failures``."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add_account(self, account: StaffAccount) -> None:
        """See `StaffRepository.add_account`."""
        # ON CONFLICT, not a caught unique violation: the server logs a violation with the
        # username it refused (its DETAIL), and a typed username may be a person's name.
        added = await self._conn.fetchval(
            "INSERT INTO staff_accounts (account_id, username, password_hash, role)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (username) DO NOTHING RETURNING true",
            account.account_id,
            account.username,
            account.password_hash,
            account.role,
        )
        if not added:
            raise AccountExistsError("this username is taken")

    async def account_by_username(self, username: str) -> StaffAccount | None:
        """See `StaffRepository.account_by_username`."""
        row = await self._conn.fetchrow(f"{_ACCOUNT} WHERE username = $1", username)
        return StaffAccount(**dict(row)) if row else None

    async def account_by_id(self, account_id: UUID) -> StaffAccount | None:
        """See `StaffRepository.account_by_id`."""
        row = await self._conn.fetchrow(f"{_ACCOUNT} WHERE account_id = $1", account_id)
        return StaffAccount(**dict(row)) if row else None

    async def failures_since(self, username_hash: str, since: datetime) -> list[datetime]:
        """See `StaffRepository.failures_since`."""
        rows = await self._conn.fetch(
            "SELECT failed_at FROM sign_in_failures WHERE username_hash = $1 AND failed_at >= $2",
            username_hash,
            since,
        )
        return [r["failed_at"] for r in rows]

    async def record_failure(self, username_hash: str, at: datetime) -> None:
        """See `StaffRepository.record_failure`."""
        await self._conn.execute(
            "DELETE FROM sign_in_failures WHERE failed_at < $1", at - timedelta(days=1)
        )
        await self._conn.execute(
            "INSERT INTO sign_in_failures (username_hash, failed_at) VALUES ($1, $2)",
            username_hash,
            at,
        )

    async def clear_failures(self, username_hash: str) -> None:
        """See `StaffRepository.clear_failures`."""
        await self._conn.execute(
            "DELETE FROM sign_in_failures WHERE username_hash = $1", username_hash
        )

    async def add_session(self, session: StaffSession) -> None:
        """See `StaffRepository.add_session`."""
        await self._conn.execute(
            "INSERT INTO staff_sessions (token_hash, account_id, csrf_token, created_at,"
            " last_seen_at, provider_name, provider_role) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            session.token_hash,
            session.account_id,
            session.csrf_token,
            session.created_at,
            session.last_seen_at,
            session.provider_name,
            session.provider_role,
        )

    async def session(self, token_hash: str) -> StaffSession | None:
        """See `StaffRepository.session`."""
        row = await self._conn.fetchrow(f"{_SESSION} WHERE token_hash = $1", token_hash)
        return StaffSession(**dict(row)) if row else None

    async def touch_session(self, token_hash: str, at: datetime) -> None:
        """See `StaffRepository.touch_session`."""
        await self._conn.execute(
            "UPDATE staff_sessions SET last_seen_at = $2 WHERE token_hash = $1", token_hash, at
        )

    async def end_session(self, token_hash: str) -> None:
        """See `StaffRepository.end_session`."""
        await self._conn.execute("DELETE FROM staff_sessions WHERE token_hash = $1", token_hash)

    async def add_provider_sign_in(self, flow: ProviderSignIn, forget_before: datetime) -> None:
        """See `StaffRepository.add_provider_sign_in`."""
        await self._conn.execute(
            "DELETE FROM provider_sign_ins WHERE created_at < $1", forget_before
        )
        await self._conn.execute(
            "INSERT INTO provider_sign_ins (flow_hash, state, nonce, code_verifier, created_at)"
            " VALUES ($1, $2, $3, $4, $5)",
            flow.flow_hash,
            flow.state,
            flow.nonce,
            flow.code_verifier,
            flow.created_at,
        )

    async def take_provider_sign_in(self, flow_hash: str) -> ProviderSignIn | None:
        """See `StaffRepository.take_provider_sign_in`."""
        row = await self._conn.fetchrow(
            "DELETE FROM provider_sign_ins WHERE flow_hash = $1"
            " RETURNING flow_hash, state, nonce, code_verifier, created_at",
            flow_hash,
        )
        return ProviderSignIn(**dict(row)) if row else None
