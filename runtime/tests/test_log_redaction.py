"""Secrets in URLs never reach a log line, whichever logger wrote it (issue 13, class 5)."""

import json
import logging

import pytest
from hub_runtime.logs import THIRD_PARTY_LOGGERS, JsonFormatter, configure_logging
from hub_runtime.redaction import REDACTED, redact_text, redact_url

SECRETS = ("s3cr3t-pw", "k-canary-123", "tok-canary-456")


def _line(name: str, msg: str, args: tuple[object, ...] = (), **extra: object) -> str:
    record = logging.LogRecord(name, logging.INFO, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return JsonFormatter().format(record)


def test_the_webhook_url_of_the_issue_is_redacted_in_httpx_s_request_line() -> None:
    """The failing input: httpx logs every request's URL at INFO, userinfo and query included."""
    url = "https://partner:s3cr3t-pw@hooks.example.org:8443/council?api_key=k-canary-123"
    line = _line("httpx", 'HTTP Request: %s %s "%s %d %s"', ("POST", url, "HTTP/1.1", 200, "OK"))
    assert not any(secret in line for secret in SECRETS)
    message = json.loads(line)["message"]
    assert f"https://{REDACTED}@hooks.example.org:8443/council?api_key={REDACTED}" in message


def test_a_token_in_a_request_line_without_scheme_is_redacted() -> None:
    """Same class, not in the issue: uvicorn's access line carries the path with its query
    (``GET /dashboard?token=...``), no scheme in front."""
    line = _line(
        "uvicorn.access",
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/dashboard?token=tok-canary-456&x=1", "1.1", 200),
    )
    assert "tok-canary-456" not in line
    assert f"/dashboard?token={REDACTED}&x={REDACTED}" in json.loads(line)["message"]


def test_a_database_dsn_and_a_whitelisted_extra_are_redacted() -> None:
    """Same class: a connection string's password (asyncpg errors and our own notes quote the
    DSN) and a URL in a whitelisted extra such as ``path``."""
    line = _line(
        "asyncpg",
        "cannot connect to %s",
        ("postgresql://hub:s3cr3t-pw@10.0.0.5:5432/casefile",),
        path="/partner/inbox?cursor=1&api_key=k-canary-123",
    )
    assert not any(secret in line for secret in SECRETS)
    entry = json.loads(line)
    assert entry["message"] == f"cannot connect to postgresql://{REDACTED}@10.0.0.5:5432/casefile"
    assert entry["path"] == f"/partner/inbox?cursor={REDACTED}&api_key={REDACTED}"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://h.example/p", "https://h.example/p"),
        ("http://[::1]:81/p?a=1#frag", f"http://[::1]:81/p?a={REDACTED}"),
        ("https://only-user@h.example/", f"https://{REDACTED}@h.example/"),
        ("https://h.example:99999/", REDACTED),  # a malformed port: nothing of it is trusted
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_prose_with_a_question_mark_is_left_alone() -> None:
    text = "webhook-timestamp is outside the tolerance (replay?)"
    assert redact_text(text) == text


def test_third_party_loggers_go_through_the_one_formatter(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A library logger with a handler of its own (uvicorn's default config gives it one)
    would bypass the whitelist; configure_logging routes it through the root handler."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    library = logging.getLogger("uvicorn.error")
    library.addHandler(logging.StreamHandler())  # what a library's own config would do
    library.propagate = False
    try:
        configure_logging("INFO")
        assert library.handlers == []
        assert library.propagate
        for name in THIRD_PARTY_LOGGERS:
            assert not logging.getLogger(name).handlers
        library.warning("bad request to https://u:s3cr3t-pw@h.example/?api_key=k-canary-123")
        logging.getLogger("app").info("note", extra={"full_name": "Amina", "case_id": "c1"})
        out = capsys.readouterr().out
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    assert not any(secret in out for secret in SECRETS)
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[0]["logger"] == "uvicorn.error"
    assert "full_name" not in lines[1]
    assert lines[1]["case_id"] == "c1"


@pytest.mark.parametrize("name", ["aiohttp.client", "aiohttp.internal", "aiohttp.web"])
def test_aiohttp_stays_at_warning(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """aiohttp's loggers (the webhook delivery's client, issue 16) are chatty libraries too:
    their INFO and DEBUG notes are not printed at the service's INFO level."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging("INFO")
        logging.getLogger(name).info("POST https://h.example/hook?api_key=k-canary-123")
        logging.getLogger(name).warning("a warning still passes")
        out = capsys.readouterr().out
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    assert [json.loads(line)["message"] for line in out.splitlines()] == ["a warning still passes"]
