"""The commands of signals: what its HTTP edge and its publisher ask of it, one class per use
case. Each is a frozen dataclass; ``Message[R]`` says what its handler returns. Events come in
as `hub_runtime.bus.Event` of the contracts' payloads (see `signals.routes`)."""

from dataclasses import dataclass
from typing import Any

from hub_runtime.bus import Message
from hub_runtime.errors import DomainError

from signals.domain.accounts import CurrentSession, NewSession, StaffAccountView
from signals.domain.catalogue import TableSpec
from signals.errors import SessionEndedError
from signals.repository.protocols import ContributionCount, PublishedPeriod, Release
from signals.repository.staff import ProviderSignIn


@dataclass(frozen=True)
class ListTables(Message[list[TableSpec]]):
    """The allowed cross-tabulations (the only tables that exist), in catalogue order."""


@dataclass(frozen=True)
class ListPublishedPeriods(Message[list[PublishedPeriod]]):
    """Published periods, oldest first, each with its tables."""


@dataclass(frozen=True)
class ReadRelease(Message[Release]):
    """The stored release of ``period`` (``YYYY-MM``): table name -> ``SignalsPublished.v2``
    payload as JSON."""

    period: str


@dataclass(frozen=True)
class ReadTable(Message[dict[str, Any]]):
    """One table of the stored release of ``period``, by its catalogue name."""

    period: str
    table: str


@dataclass(frozen=True)
class ReadCrosstab(Message[dict[str, Any]]):
    """The table of ``period`` whose dimensions are exactly ``dimensions`` (in any order)."""

    period: str
    dimensions: tuple[str, ...]


@dataclass(frozen=True)
class PublishPeriod(Message[Release]):
    """Publish the closed ``period`` once; a repeat returns the stored release unchanged."""

    period: str


@dataclass(frozen=True)
class ListDuePeriods(Message[list[str]]):
    """Closed, plausible periods that have contributions and no release yet, oldest first."""


@dataclass(frozen=True)
class CountContributions(Message[list[ContributionCount]]):
    """How many contributions exist per period and table (operations; never a cell)."""


@dataclass(frozen=True)
class CreateStaffAccount(Message[StaffAccountView]):
    """Create a local dashboard account (admins only): ``role`` is advocacy or admin."""

    username: str
    password: str
    role: str


@dataclass(frozen=True)
class SignIn(Message[NewSession | DomainError]):
    """Sign in with a username and password: a new session, or the refusal (returned, so that
    the failure it records is committed; rate-limited)."""

    username: str
    password: str


@dataclass(frozen=True)
class OpenSession(Message[CurrentSession | SessionEndedError]):
    """The live session of a cookie's value (its idle clock restarts), or `SessionEndedError`
    (returned: the deletion of a timed-out session is committed)."""

    token: str


@dataclass(frozen=True)
class SignOut(Message[None]):
    """End the session of a cookie's value (nothing happens when it is gone already)."""

    token: str


@dataclass(frozen=True)
class StartProviderSignIn(Message[None]):
    """Keep a sign-in under way at the council's OpenID Connect provider until the browser comes
    back: ``flow_token`` is the browser's flow cookie (only its hash is stored); ``state``,
    ``nonce`` and ``code_verifier`` are `hub_runtime.oidc_login.LoginStart`'s."""

    flow_token: str
    state: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True)
class TakeProviderSignIn(Message[ProviderSignIn | None]):
    """The sign-in under way of a flow cookie, removed as it is taken (a state serves once);
    None when there is none or it is older than `PROVIDER_SIGN_IN_MINUTES`."""

    flow_token: str


@dataclass(frozen=True)
class OpenProviderSession(Message[NewSession]):
    """A session for a staff member the provider signed in: ``name`` as the provider gave it,
    ``role`` the dashboard role (advocacy or admin) mapped from the provider's roles."""

    name: str
    role: str
