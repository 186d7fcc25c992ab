"""The advocacy team's local accounts: create one (admins), sign in, open a session, sign out.

Sessions follow the OWASP Session Management Cheat Sheet: a 256-bit random token per sign-in
(only its SHA-256 stored), an idle and an absolute timeout, a CSRF token per session (the
synchronizer token pattern). Failed sign-ins are limited per username
(`domain.accounts.SignInLimit`; OWASP Authentication Cheat Sheet, "Protect against automated
attacks"): past the limit even a right password is refused until the window moves on.
"""

import asyncio
import uuid
from datetime import timedelta

from hub_runtime.errors import DomainError
from hub_runtime.staff_pages import new_secret

from signals.deps import Deps
from signals.domain.accounts import (
    MAX_PASSWORD,
    MIN_PASSWORD,
    STAFF_ROLES,
    USERNAME,
    CurrentSession,
    NewSession,
    SessionPolicy,
    SignInLimit,
    StaffAccountView,
    digest,
    hash_password,
    password_matches,
    username_key,
)
from signals.errors import (
    SessionEndedError,
    SignInRefusedError,
    TooManySignInsError,
    WeakCredentialsError,
)
from signals.messages import CreateStaffAccount, OpenSession, SignIn, SignOut
from signals.repository.staff import StaffAccount, StaffSession
from signals.unit_of_work import SignalsUnitOfWork


def _policy(deps: Deps) -> SessionPolicy:
    s = deps.settings
    return SessionPolicy(
        idle=timedelta(minutes=s.session_idle_minutes),
        lifetime=timedelta(hours=s.session_lifetime_hours),
    )


def _limit(deps: Deps) -> SignInLimit:
    s = deps.settings
    return SignInLimit(s.sign_in_max_failures, timedelta(minutes=s.sign_in_window_minutes))


async def create_staff_account(
    message: CreateStaffAccount, uow: SignalsUnitOfWork, deps: Deps
) -> StaffAccountView:
    """Store a new account with the password's Argon2id hash. Raises `WeakCredentialsError`
    for a username outside `USERNAME`, a password outside 12..128 characters or a role other
    than advocacy/admin: every broken rule in ``reasons`` (one per field, as the API's
    validation lists them), the first one's code (``invalid_username``, ``invalid_password``,
    ``invalid_role``) and sentence; `AccountExistsError` for a taken username."""
    del deps
    problems = [
        (field, code, sentence)
        for field, code, sentence, broken in (
            (
                "username",
                "invalid_username",
                "a username is 3 to 64 of a-z, 0-9, '.', '_' and '-'",
                not USERNAME.fullmatch(message.username),
            ),
            (
                "password",
                "invalid_password",
                f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters",
                not MIN_PASSWORD <= len(message.password) <= MAX_PASSWORD,
            ),
            (
                "role",
                "invalid_role",
                "a staff role is advocacy or admin",
                message.role not in STAFF_ROLES,
            ),
        )
        if broken
    ]
    if problems:
        _, code, sentence = problems[0]
        raise WeakCredentialsError(
            sentence, code=code, reasons=[f"{field}: {text}" for field, _, text in problems]
        )
    hashed = await asyncio.to_thread(hash_password, message.password)
    account = StaffAccount(uuid.uuid4(), message.username, hashed, message.role)
    await uow.staff.add_account(account)
    return StaffAccountView(str(account.account_id), account.username, account.role)


async def sign_in(message: SignIn, uow: SignalsUnitOfWork, deps: Deps) -> NewSession | DomainError:
    """A new session for a matching username and password, else the refusal, *returned* (not
    raised: the bus rolls back on a raise, and the failure it records must be committed; the
    HTTP edge raises it): `TooManySignInsError` when the username's recent failures reach the
    limit (checked first, the password is not even verified), `SignInRefusedError`."""
    now, limit = deps.clock(), _limit(deps)
    name_hash = username_key(deps.key, message.username)
    recent = await uow.staff.failures_since(name_hash, now - limit.window)
    wait = limit.retry_after(recent, now)
    if wait is not None:
        return TooManySignInsError(wait)
    account = await uow.staff.account_by_username(message.username)
    stored = account.password_hash if account else None
    if account is None or not await asyncio.to_thread(password_matches, stored, message.password):
        await uow.staff.record_failure(name_hash, now)
        return SignInRefusedError("the username or the password is wrong")
    await uow.staff.clear_failures(name_hash)
    token, csrf = new_secret(), new_secret()
    await uow.staff.add_session(StaffSession(digest(token), account.account_id, csrf, now, now))
    return NewSession(token, csrf, account.username, account.role)


async def open_session(
    message: OpenSession, uow: SignalsUnitOfWork, deps: Deps
) -> CurrentSession | SessionEndedError:
    """The live session of the cookie value (its idle clock restarts), local or from the
    provider, else `SessionEndedError`,
    returned so that the deletion of a timed-out session is committed (the edge raises it)."""
    now, token_hash = deps.clock(), digest(message.token)
    session = await uow.staff.session(token_hash)
    if session is None:
        return SessionEndedError("please sign in")
    if session.account_id is None:  # signed in at the provider: name and role as mapped then
        name, role = session.provider_name, session.provider_role
    else:
        account = await uow.staff.account_by_id(session.account_id)
        name, role = (account.username, account.role) if account else (None, None)
    if name is None or role is None:
        return SessionEndedError("please sign in")
    if not _policy(deps).alive(session.created_at, session.last_seen_at, now):
        await uow.staff.end_session(token_hash)
        return SessionEndedError("the session has ended; please sign in again")
    await uow.staff.touch_session(token_hash, now)
    return CurrentSession(name, role, session.csrf_token)


async def sign_out(message: SignOut, uow: SignalsUnitOfWork, deps: Deps) -> None:
    """End the session of the cookie value (idempotent)."""
    del deps
    await uow.staff.end_session(digest(message.token))
