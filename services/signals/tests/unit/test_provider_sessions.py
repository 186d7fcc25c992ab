"""Sign-in through the provider, through the bus on the fakes: an attempt is taken once and
only within ten minutes; a provider account's session has the role mapped at sign-in, the same
idle timeout as a local one, and ends at sign-out. The same storage on PostgreSQL:
``test_repository_contract.py``; the whole flow against Keycloak:
``tests/integration/test_dashboard_provider_sign_in.py``."""

from datetime import UTC, datetime, timedelta

import pytest
from signals.config import Settings
from signals.deps import Deps
from signals.domain.accounts import CurrentSession
from signals.errors import SessionEndedError, WeakCredentialsError
from signals.fakes import FakeSignals
from signals.messages import (
    OpenProviderSession,
    OpenSession,
    SignOut,
    StartProviderSignIn,
    TakeProviderSignIn,
)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def signals(clock: Clock) -> FakeSignals:
    return FakeSignals(Deps(Settings(), clock=clock))


async def test_an_attempt_is_taken_once(signals: FakeSignals) -> None:
    await signals.bus.dispatch(StartProviderSignIn("cookie", "state", "nonce", "verifier"))
    taken = await signals.bus.dispatch(TakeProviderSignIn("cookie"))
    assert taken is not None
    assert (taken.state, taken.nonce, taken.code_verifier) == ("state", "nonce", "verifier")
    assert taken.flow_hash != "cookie"  # only the cookie's hash is stored
    assert await signals.bus.dispatch(TakeProviderSignIn("cookie")) is None
    assert await signals.bus.dispatch(TakeProviderSignIn("another cookie")) is None


async def test_an_attempt_older_than_ten_minutes_is_refused(
    signals: FakeSignals, clock: Clock
) -> None:
    await signals.bus.dispatch(StartProviderSignIn("cookie", "state", "nonce", "verifier"))
    clock.now += timedelta(minutes=10, seconds=1)
    assert await signals.bus.dispatch(TakeProviderSignIn("cookie")) is None


async def test_a_provider_session_has_its_role_and_the_same_timeouts(
    signals: FakeSignals, clock: Clock
) -> None:
    new = await signals.bus.dispatch(OpenProviderSession("dana", "advocacy"))
    found = await signals.bus.dispatch(OpenSession(new.token))
    assert found == CurrentSession("dana", "advocacy", new.csrf_token)
    clock.now += timedelta(minutes=31)  # SIGNALS_SESSION_IDLE_MINUTES = 30
    assert isinstance(await signals.bus.dispatch(OpenSession(new.token)), SessionEndedError)
    again = await signals.bus.dispatch(OpenProviderSession("dana", "admin"))
    await signals.bus.dispatch(SignOut(again.token))
    assert isinstance(await signals.bus.dispatch(OpenSession(again.token)), SessionEndedError)


async def test_a_session_needs_a_dashboard_role(signals: FakeSignals) -> None:
    with pytest.raises(WeakCredentialsError):
        await signals.bus.dispatch(OpenProviderSession("bob", "counsellor"))
