"""The plugin that fails a run whose logs hold a server error no test declared
(`hub_runtime.server_errors`), tested against inner pytest runs.

The outer tests are marked `expected_server_errors`: the inner runs happen in this process, so
their ERROR records reach the outer run's handler too, on purpose."""

import pytest

pytestmark = pytest.mark.expected_server_errors

PLUGIN = ("-p", "hub_runtime.server_errors", "-o", "asyncio_default_fixture_loop_scope=function")


def test_a_stray_error_line_fails_a_run_whose_tests_all_passed(pytester: pytest.Pytester) -> None:
    """The failing input of the class: a service logs an ERROR (here: a handler's exception
    log) during a test that asserts nothing about it."""
    pytester.makepyfile(
        """
        import logging

        def test_passes_but_logs():
            logging.getLogger("casefile.handlers").error("database write failed")
        """
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*server errors no test expected*",
            "*test_passes_but_logs: ERROR casefile.handlers: database write failed*",
        ]
    )


def test_a_500_answer_fails_the_run(pytester: pytest.Pytester) -> None:
    """Same class, another input: no log call in the service at all, only a 500 answer; the
    shared edge logs it, so the run fails."""
    pytester.makepyfile(
        """
        import asyncio

        import httpx
        from fastapi.responses import JSONResponse
        from hub_runtime.http import create_app

        def test_answers_500():
            app = create_app(service="t", title="t", description="", max_body_bytes=1024,
                             readiness={})

            @app.get("/boom")
            async def boom():
                return JSONResponse({"error": "x", "detail": "y"}, status_code=500)

            async def call():
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                    return (await c.get("/boom")).status_code

            assert asyncio.run(call()) == 500
        """
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*server error answered (t GET /boom 500 none)*"])


def test_an_error_while_a_shared_service_stops_fails_the_run(pytester: pytest.Pytester) -> None:
    """Same class: a session-scoped service logs an error as it stops after the last test
    (attributed to the test whose teardown stopped it)."""
    pytester.makepyfile(
        """
        import logging
        import pytest

        @pytest.fixture(scope="session")
        def service():
            yield
            logging.getLogger("hub_runtime.service").error("loop failed, restarting")

        def test_uses_it(service):
            pass
        """
    )
    result = pytester.runpytest(*PLUGIN)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*loop failed, restarting*"])


def test_a_declared_error_passes_and_warnings_never_count(pytester: pytest.Pytester) -> None:
    """The marker allows a test's own errors, and only ERROR and above count."""
    pytester.makepyfile(
        """
        import logging
        import pytest

        @pytest.mark.expected_server_errors
        def test_provokes_on_purpose():
            logging.getLogger("hub_runtime.consumer").error("dead-lettered on purpose")

        def test_only_warns():
            logging.getLogger("hub_runtime.consumer").warning("retrying")
        """
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK


def test_a_failing_run_keeps_its_own_exit_code(pytester: pytest.Pytester) -> None:
    """A run that already failed is not hidden behind the stray-error verdict."""
    pytester.makepyfile(
        """
        import logging

        def test_fails():
            logging.getLogger("x").error("boom")
            assert False
        """
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*ERROR x: boom*"])


def test_only_the_kafka_clients_known_transients_pass(pytester: pytest.Pytester) -> None:
    """A fresh topic's missing leader is the broker settling, not a server error; any other
    ERROR of the same library still fails the run."""
    pytester.makepyfile(
        """
        import logging

        def test_fresh_topic():
            logging.getLogger("aiokafka.cluster").error(
                "Topic %s not found in cluster metadata", "t-1.casefile.events.v1")
            logging.getLogger("aiokafka.consumer.fetcher").error(
                "Failed fetch offsets from 1: [Error 6] NotLeaderForPartitionError: tp")

        def test_real_trouble():
            logging.getLogger("aiokafka.consumer.fetcher").error("Unexpected error in fetcher")
        """
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*1 unexpected ERROR log record(s)*"])
    result.stdout.no_fnmatch_line("*test_fresh_topic: ERROR*")
