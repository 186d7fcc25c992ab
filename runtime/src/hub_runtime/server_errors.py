"""pytest plugin: a test run whose logs hold a server error no test asked for fails.

Every ERROR (or CRITICAL) log record emitted in the test process, by the services running
in-process (their JSON logs go through `logging`), by the edge (`server error answered` for
every 500) or by a library, is attributed to the test running at that moment. A test that
provokes server errors on purpose declares it with `@pytest.mark.expected_server_errors`
(its records are allowed); any other record makes the session fail at the end, with a summary
of the records and the tests they came from (loaded by the root conftest through
`hub_runtime.testing`).
"""

import logging
from collections.abc import Generator
from dataclasses import dataclass

import pytest

MARKER = "expected_server_errors"
_OUTSIDE = "(outside any test: collection, session fixtures, shutdown)"
_CONTEXT = ("service", "method", "path", "status", "error_type")
_STASH = pytest.StashKey["ServerErrorLog"]()


@dataclass(frozen=True)
class StrayRecord:
    """A server error nobody expected: where it happened and what the logger said."""

    test: str
    logger: str
    level: str
    message: str
    exception: str | None

    def line(self) -> str:
        """``<test>: <level> <logger>: <message> [<exception type>]``, one line of the summary."""
        failure = f" [{self.exception}]" if self.exception else ""
        return f"{self.test}: {self.level} {self.logger}: {self.message}{failure}"


# aiokafka logs these at ERROR while a topic created moments ago gets its partition leaders
# (every test makes topics of its own), and retries until they answer; they are not errors of
# the hub. Only these exact conditions pass; any other aiokafka error still fails the run.
BROKER_TRANSIENTS = (
    ("aiokafka.cluster", "not found in cluster metadata"),
    ("aiokafka.consumer.fetcher", "NotLeaderForPartitionError"),
)


def is_broker_transient(logger: str, message: str) -> bool:
    """True for an ERROR line of the Kafka client about a topic or leader not there yet."""
    return any(logger == name and text in message for name, text in BROKER_TRANSIENTS)


class ServerErrorLog(logging.Handler):
    """Keeps the ERROR records of the run, each with the test that was running."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.current: pytest.Item | None = None
        self.stray: list[StrayRecord] = []
        self.expected = 0

    def emit(self, record: logging.LogRecord) -> None:
        """Keep an ERROR record as stray unless the running test expects server errors or it is a
        known broker transient (:func:`is_broker_transient`)."""
        item = self.current
        if item is not None and item.get_closest_marker(MARKER) is not None:
            self.expected += 1
            return
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is still an error line
            message = str(record.msg)
        if is_broker_transient(record.name, message):
            return
        exception = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else None
        where = " ".join(str(getattr(record, k)) for k in _CONTEXT if hasattr(record, k))
        message = message.strip() + (f" ({where})" if where else "")
        test = item.nodeid if item is not None else _OUTSIDE
        self.stray.append(StrayRecord(test, record.name, record.levelname, message, exception))

    def attach(self) -> None:
        """(Re)attach to the root logger: `configure_logging` replaces the root's handlers."""
        root = logging.getLogger()
        if self not in root.handlers:
            root.addHandler(self)


def pytest_configure(config: pytest.Config) -> None:
    """pytest hook: register the ``expected_server_errors`` marker and attach the run's
    :class:`ServerErrorLog` to the root logger."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}: the test provokes server errors (ERROR log lines, 500 answers) on purpose",
    )
    log = ServerErrorLog()
    config.stash[_STASH] = log
    log.attach()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    """pytest hook: attribute the ERROR records logged while ``item`` runs to it.

    Re-attaches the handler first (a test may have reconfigured logging) and clears the current test
    afterwards, so records of the teardown of session fixtures count as outside any test."""
    log = item.config.stash[_STASH]
    log.attach()
    log.current = item
    try:
        yield
    finally:
        log.current = None


def pytest_sessionfinish(session: pytest.Session) -> None:
    """pytest hook: a run that passed but logged an unexpected server error exits as failed
    (``ExitCode.TESTS_FAILED``); a run that already failed keeps its status."""
    log = session.config.stash.get(_STASH, None)
    if log is not None and log.stray and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """pytest hook: list the unexpected ERROR records (the first 200) and the tests they
    came from."""
    log = terminalreporter.config.stash.get(_STASH, None)
    if log is None or not log.stray:
        return
    terminalreporter.section("server errors no test expected", sep="=", red=True, bold=True)
    for record in log.stray[:200]:
        terminalreporter.line(record.line())
    if len(log.stray) > 200:
        terminalreporter.line(f"... and {len(log.stray) - 200} more")
    terminalreporter.line(
        f"{len(log.stray)} unexpected ERROR log record(s): fix the cause, or mark the test that"
        f" provokes them on purpose with @pytest.mark.{MARKER}"
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    """pytest hook: detach the run's handler from the root logger."""
    log = config.stash.get(_STASH, None)
    if log is not None:
        logging.getLogger().removeHandler(log)
