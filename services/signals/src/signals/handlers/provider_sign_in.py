"""Sign-in through the council's OpenID Connect provider: keep the attempt, take it back once,
open a session for the staff member the provider vouched for.

The talk with the provider (the redirect, the code exchange, the ID token's checks) is the HTTP
edge's (`signals.api.dashboard_provider`, with `hub_runtime.oidc_login`); these handlers only
store. The session is the dashboard's own (`signals.handlers.staff`): the same cookie, CSRF
token, idle and absolute timeouts as a local account's; no provider token is kept.
"""

from datetime import timedelta

from hub_runtime.staff_pages import new_secret

from signals.deps import Deps
from signals.domain.accounts import STAFF_ROLES, NewSession, digest
from signals.errors import WeakCredentialsError
from signals.messages import OpenProviderSession, StartProviderSignIn, TakeProviderSignIn
from signals.repository.staff import ProviderSignIn, StaffSession
from signals.unit_of_work import SignalsUnitOfWork

PROVIDER_SIGN_IN_MINUTES = 10
"""How long a sign-in may stay at the provider's pages before the answer is refused."""


async def start_provider_sign_in(
    message: StartProviderSignIn, uow: SignalsUnitOfWork, deps: Deps
) -> None:
    """Store the attempt under the hash of the flow cookie (older attempts are forgotten)."""
    now = deps.clock()
    flow = ProviderSignIn(
        digest(message.flow_token), message.state, message.nonce, message.code_verifier, now
    )
    await uow.staff.add_provider_sign_in(flow, now - timedelta(minutes=PROVIDER_SIGN_IN_MINUTES))


async def take_provider_sign_in(
    message: TakeProviderSignIn, uow: SignalsUnitOfWork, deps: Deps
) -> ProviderSignIn | None:
    """The attempt of the flow cookie, deleted as it is taken; None when there is none or it
    is older than `PROVIDER_SIGN_IN_MINUTES` (returned, not raised: the deletion commits)."""
    flow = await uow.staff.take_provider_sign_in(digest(message.flow_token))
    if flow is None or deps.clock() - flow.created_at > timedelta(minutes=PROVIDER_SIGN_IN_MINUTES):
        return None
    return flow


async def open_provider_session(
    message: OpenProviderSession, uow: SignalsUnitOfWork, deps: Deps
) -> NewSession:
    """A new dashboard session for ``message.name`` in ``message.role``. Raises
    `WeakCredentialsError` for a role other than advocacy/admin or an empty name (the edge maps
    the provider's roles first, so neither reaches here from a browser)."""
    if message.role not in STAFF_ROLES or not message.name:
        raise WeakCredentialsError("a staff role is advocacy or admin", code="invalid_role")
    now = deps.clock()
    token, csrf = new_secret(), new_secret()
    session = StaffSession(
        digest(token), None, csrf, now, now, provider_name=message.name, provider_role=message.role
    )
    await uow.staff.add_session(session)
    return NewSession(token, csrf, message.name, message.role)
