"""A file or stream named on the command line is read up to a bound, never whole, and the
webhook URL is shown masked (a new user's trial: `hub partners webhook --url-file /dev/zero`
and `hub partners register --file /dev/zero` ate the memory and ended in a `MemoryError`
traceback; a successful `webhook` printed the URL, query secret included, in its table).
No running service: the requests are recorded instead of sent."""

import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from hub_cli import partners
from partner_gateway.admin import AdminRequest

from .conftest import Cli

PARTNER = "4e3720a1-55d1-4a3b-9a0c-2f6d3c9a8b11"
SECRET = "Fatima-k-123"
URL = f"https://partner.example/hook?api_key={SECRET}&route=7"
BIG = 10 * 1024 * 1024
"""A file far larger than any bound (10 MiB): read whole, it shows in the peak allocation."""

PEAK_BYTES = 4 * 1024 * 1024
"""The most a refused run may allocate (the command's own objects, not the file)."""


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What `hub partners webhook|register` sends (webhook answered as the gateway would)."""
    requests: list[Any] = []

    def gateway(ctx: Any, request: AdminRequest) -> dict[str, Any]:
        del ctx
        requests.append(request)
        body = request.body or {}
        return {"partner_id": PARTNER, "url": body.get("url"), "secret": "whsec_x"}

    def call(*args: Any, **kwargs: Any) -> dict[str, Any]:
        requests.append((args, kwargs))
        return {"partner_id": PARTNER}

    monkeypatch.setattr(partners, "_gateway", gateway)
    monkeypatch.setattr(partners, "call", call)
    return requests


def _refused(result: Result, code: str) -> dict[str, Any]:
    """The ``--json`` error document of a run refused with ``code`` (exit 1, no traceback)."""
    assert result.exit_code == 1, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    error: dict[str, Any] = json.loads(result.stderr)
    assert error["error"] == code
    assert result.stdout == ""
    return error


def _big_file(folder: Path, head: bytes) -> Path:
    path = folder / "Fatima Haddad.txt"
    with path.open("wb") as out:
        out.write(head)
        out.write(b"a" * (BIG - len(head)))
    return path


def _peak_of(run: Any) -> tuple[Result, int]:
    tracemalloc.start()
    try:
        result = run()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_large_url_file_is_refused_unread_before_any_request(
    cli: Cli, sent: list[Any], tmp_path: Path
) -> None:
    """Before: the whole 10 MiB was read, then cut to 65,536 characters and sent as the URL."""
    path = _big_file(tmp_path, b"https://partner.example/hook?k=")
    args = ("--json", "partners", "webhook", PARTNER, "--url-file", str(path))
    result, peak = _peak_of(lambda: cli.invoke(*args))
    error = _refused(result, "bad_file")
    assert error["detail"] == "the file cannot be read: is larger than 65536 bytes"
    assert "Fatima" not in result.output
    assert peak < PEAK_BYTES, peak
    assert sent == []


def test_a_large_register_file_is_refused_unread_before_any_request(
    cli: Cli, sent: list[Any], tmp_path: Path
) -> None:
    """Before: the whole 10 MiB was read and parsed; a JSON object that large was sent."""
    path = _big_file(tmp_path, b'{"name": "')
    with path.open("ab") as out:
        out.write(b'"}')
    args = ("--json", "partners", "register", "--file", str(path))
    result, peak = _peak_of(lambda: cli.invoke(*args))
    error = _refused(result, "bad_file")
    assert error["detail"] == "the file cannot be read: is larger than 1048576 bytes"
    assert "Fatima" not in result.output
    assert peak < PEAK_BYTES, peak
    assert sent == []


def test_a_long_standard_input_is_refused_not_cut(cli: Cli, sent: list[Any]) -> None:
    """Before: 65,536 characters of a longer stream were kept and sent as the URL."""
    given = "https://partner.example/hook?k=" + "a" * 70_000
    result = cli.invoke("--json", "partners", "webhook", PARTNER, "--url-file", "-", input=given)
    assert _refused(result, "webhook_url_too_long")["detail"] == (
        "a webhook URL has at most 2048 characters"
    )
    assert sent == []


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_a_url_longer_than_the_gateway_takes_is_refused_before_any_request(
    cli: Cli, sent: list[Any], tmp_path: Path, source: str
) -> None:
    """2,049 characters (the gateway's `MAX_LENGTH` + 1): the gateway's own code, before any
    request; 2,048 go on. Before: sent, and a long one came back as ``payload_too_large``."""
    base = "https://partner.example/hook?k="
    for length, refused in ((2049, True), (2048, False)):
        url = base + "a" * (length - len(base))
        path = tmp_path / "hook.txt"
        path.write_text(url + "\n", encoding="utf-8")
        option = ("--url-file", str(path)) if source == "file" else ()
        result = cli.invoke("--json", "partners", "webhook", PARTNER, *option, input=url + "\n")
        if refused:
            assert _refused(result, "webhook_url_too_long")["detail"] == (
                "a webhook URL has at most 2048 characters"
            )
            assert "aaaa" not in result.output
            assert sent == []
        else:
            assert result.exit_code == 0, (result.output, result.exception)
            assert [request.body["url"] for request in sent] == [url]


def test_the_table_masks_the_query_values_and_json_keeps_the_answer(
    cli: Cli, sent: list[Any]
) -> None:
    """Before: the table printed the URL as registered, the partner's secret with it."""
    table = cli.invoke("partners", "webhook", PARTNER, input=URL + "\n")
    assert table.exit_code == 0, (table.output, table.exception)
    assert SECRET not in table.output
    assert "Fatima" not in table.output
    assert "https://partner.example/hook?api_key=REDACTED&route=REDACTED" in table.stdout
    assert "whsec_x" in table.stdout  # the signing secret, shown once, is the point
    scripted = cli.invoke("partners", "webhook", PARTNER, "--json", input=URL + "\n")
    assert scripted.exit_code == 0, (scripted.output, scripted.exception)
    assert json.loads(scripted.stdout)["url"] == URL  # the API's answer, for scripts


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://p.example/h", "https://p.example/h"),
        ("https://p.example/h?Fatima-token", "https://p.example/h?REDACTED"),
        ("https://p.example/h?a=1&b=&c", "https://p.example/h?a=REDACTED&b=REDACTED&REDACTED"),
        ("http://u:Fatima@h:8080/x?y=1#f", "http://REDACTED@h:8080/x?y=REDACTED"),
        ("http://[::1]:9/x?q=Fatima", "http://[::1]:9/x?q=REDACTED"),
    ],
)
def test_shown_url_keeps_where_and_masks_every_query_value(url: str, shown: str) -> None:
    assert partners.shown_url(url) == shown


HUB_WITH_LIMITED_MEMORY = (
    "import resource\n"
    "resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))\n"
    "from hub_cli.app import main\n"
    "main()\n"
)
"""`hub` (its console script's `main`) with 2 GiB of address space: read whole, /dev/zero
grows the old code's buffer to a `MemoryError` in seconds, not to the machine's whole memory."""


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize(
    "args",
    [
        ("partners", "webhook", PARTNER, "--url-file", "/dev/zero"),
        ("partners", "register", "--file", "/dev/zero"),
    ],
)
def test_dev_zero_is_a_clear_error_not_a_traceback(cli: Cli, args: tuple[str, ...]) -> None:
    """The trial's own commands, run as the console script runs them, in a process of their own."""
    done = subprocess.run(
        [sys.executable, "-c", HUB_WITH_LIMITED_MEMORY, *args],
        env={**os.environ, **cli.env_for_subprocess()},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error bad_file: the file cannot be read: is larger than ")
