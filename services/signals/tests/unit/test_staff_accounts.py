"""Local accounts of the advocacy team through the bus on the fakes: account rules, Argon2id
hashes, sign-in, the rate limit, idle and absolute timeouts, sign-out. The same repository on
PostgreSQL is exercised by ``tests/integration/test_dashboard_sessions.py``."""

from datetime import UTC, datetime, timedelta

import pytest
from signals.config import Settings
from signals.deps import Deps
from signals.domain.accounts import CurrentSession, NewSession, digest, username_key
from signals.errors import (
    SessionEndedError,
    SignInRefusedError,
    TooManySignInsError,
    WeakCredentialsError,
)
from signals.fakes import FakeSignals
from signals.messages import CreateStaffAccount, OpenSession, SignIn, SignOut

PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def signals(clock: Clock) -> FakeSignals:
    fake = FakeSignals(Deps(Settings(), clock=clock))
    await fake.bus.dispatch(CreateStaffAccount("anna", PASSWORD, "advocacy"))
    return fake


@pytest.mark.parametrize(
    ("username", "password", "role", "code"),
    [
        ("An", PASSWORD, "advocacy", "invalid_username"),
        ("anna@example.org", PASSWORD, "advocacy", "invalid_username"),
        ("bert", "short", "advocacy", "invalid_password"),
        ("bert", "x" * 129, "advocacy", "invalid_password"),
        ("bert", PASSWORD, "counsellor", "invalid_role"),
    ],
)
async def test_account_rules(
    signals: FakeSignals, username: str, password: str, role: str, code: str
) -> None:
    with pytest.raises(WeakCredentialsError) as refused:
        await signals.bus.dispatch(CreateStaffAccount(username, password, role))
    assert refused.value.code == code


async def test_every_broken_rule_is_listed(signals: FakeSignals) -> None:
    """The seventh trial: a bad username, a short password and an unknown role gave only the
    username's refusal; ``reasons`` lists each broken rule (the first one's code stays)."""
    with pytest.raises(WeakCredentialsError) as refused:
        await signals.bus.dispatch(CreateStaffAccount("Zaynab Marker", "short", "root"))
    assert refused.value.code == "invalid_username"
    assert [reason.split(":")[0] for reason in refused.value.reasons] == [
        "username",
        "password",
        "role",
    ]
    assert not any("Zaynab" in r or "short" in r or "root" in r for r in refused.value.reasons)


async def test_the_password_is_kept_only_as_an_argon2id_hash(signals: FakeSignals) -> None:
    (account,) = signals.state.accounts.values()
    assert account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in account.password_hash


async def test_sign_in_opens_a_session_stored_only_as_a_hash(signals: FakeSignals) -> None:
    session = await signals.bus.dispatch(SignIn("anna", PASSWORD))
    assert isinstance(session, NewSession)
    assert list(signals.state.sessions) == [digest(session.token)]
    current = await signals.bus.dispatch(OpenSession(session.token))
    assert current == CurrentSession("anna", "advocacy", session.csrf_token)


@pytest.mark.parametrize(
    ("username", "password"), [("anna", "wrong password!"), ("nobody", PASSWORD)]
)
async def test_a_wrong_sign_in_is_refused_alike_and_counted(
    signals: FakeSignals, username: str, password: str
) -> None:
    outcome = await signals.bus.dispatch(SignIn(username, password))
    assert isinstance(outcome, SignInRefusedError)
    assert [name for name, _ in signals.state.failures] == [
        username_key(signals.deps.key, username)
    ]
    assert username not in str(signals.state.failures)
    assert not signals.state.sessions


async def test_the_rate_limit_refuses_even_the_right_password_until_the_window_moves(
    signals: FakeSignals, clock: Clock
) -> None:
    for _ in range(5):
        assert isinstance(
            await signals.bus.dispatch(SignIn("anna", "nope nope nope")), SignInRefusedError
        )
        clock.now += timedelta(seconds=10)
    limited = await signals.bus.dispatch(SignIn("anna", PASSWORD))
    assert isinstance(limited, TooManySignInsError)
    # The first failure was 50 s ago; it leaves the 15-minute window in 850 s (+1 rounding).
    assert limited.retry_after == 851
    assert not signals.state.sessions
    clock.now += timedelta(seconds=851)
    assert isinstance(await signals.bus.dispatch(SignIn("anna", PASSWORD)), NewSession)
    assert not signals.state.failures  # cleared by the success


async def test_the_idle_timeout_ends_a_session_and_use_restarts_its_clock(
    signals: FakeSignals, clock: Clock
) -> None:
    session = await signals.bus.dispatch(SignIn("anna", PASSWORD))
    assert isinstance(session, NewSession)
    clock.now += timedelta(minutes=29)
    assert isinstance(await signals.bus.dispatch(OpenSession(session.token)), CurrentSession)
    clock.now += timedelta(minutes=29)  # 58 minutes after sign-in, 29 after the last use
    assert isinstance(await signals.bus.dispatch(OpenSession(session.token)), CurrentSession)
    clock.now += timedelta(minutes=30)
    ended = await signals.bus.dispatch(OpenSession(session.token))
    assert isinstance(ended, SessionEndedError)
    assert not signals.state.sessions  # deleted, and the deletion committed


async def test_the_absolute_timeout_ends_a_busy_session(signals: FakeSignals, clock: Clock) -> None:
    session = await signals.bus.dispatch(SignIn("anna", PASSWORD))
    assert isinstance(session, NewSession)
    for _ in range(40):  # used every 15 minutes for 10 hours
        clock.now += timedelta(minutes=15)
        found = await signals.bus.dispatch(OpenSession(session.token))
    assert isinstance(found, SessionEndedError)


async def test_sign_out_ends_the_session(signals: FakeSignals) -> None:
    session = await signals.bus.dispatch(SignIn("anna", PASSWORD))
    assert isinstance(session, NewSession)
    await signals.bus.dispatch(SignOut(session.token))
    assert isinstance(await signals.bus.dispatch(OpenSession(session.token)), SessionEndedError)
    await signals.bus.dispatch(SignOut(session.token))  # idempotent
