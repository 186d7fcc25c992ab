"""`hub partners webhook` takes the URL from a hidden prompt, standard input or a file, never
from the command line (the ninth new user's trial: a webhook URL may carry the partner's secret
in its query, and an argument stays in shell history and process listings). No running
service: the gateway call is replaced by one that records the request."""

import json
from pathlib import Path
from typing import Any

import pytest
from hub_cli import partners
from partner_gateway.admin import AdminRequest

from .conftest import Cli

PARTNER = "4e3720a1-55d1-4a3b-9a0c-2f6d3c9a8b11"
URL = "https://partner.example/hook?api_key=Fatima-k-123"
"""A URL whose query holds a secret (and a name): no output may print it back."""


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[AdminRequest]:
    """The requests `hub partners webhook` sends to the gateway (answered with a secret)."""
    requests: list[AdminRequest] = []

    def gateway(ctx: Any, request: AdminRequest) -> dict[str, Any]:
        del ctx
        requests.append(request)
        return {"partner_id": PARTNER, "secret": "whsec_x"}

    monkeypatch.setattr(partners, "_gateway", gateway)
    return requests


def _urls(sent: list[AdminRequest]) -> list[object]:
    return [request.body["url"] if request.body else None for request in sent]


def test_the_url_is_asked_for_without_echo_on_a_terminal(
    cli: Cli, sent: list[AdminRequest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(partners, "_terminal", lambda: True)
    result = cli.invoke("partners", "webhook", PARTNER, "--json", input=URL + "\n")
    assert result.exit_code == 0, (result.output, result.exception)
    assert _urls(sent) == [URL]
    assert "Webhook URL" in result.stderr  # the prompt, on stderr: stdout stays the JSON
    assert "Fatima" not in result.output  # not echoed as typed
    assert json.loads(result.stdout)["secret"] == "whsec_x"


@pytest.mark.parametrize("option", [(), ("--url-file", "-")])
def test_the_url_is_read_from_standard_input(
    cli: Cli, sent: list[AdminRequest], option: tuple[str, ...]
) -> None:
    result = cli.invoke("partners", "webhook", PARTNER, *option, "--json", input=f"  {URL}\n")
    assert result.exit_code == 0, (result.output, result.exception)
    assert _urls(sent) == [URL]
    assert "Fatima" not in result.output


def test_the_url_is_read_from_a_file(cli: Cli, sent: list[AdminRequest], tmp_path: Path) -> None:
    path = tmp_path / "hook.txt"
    path.write_text(URL + "\n", encoding="utf-8")
    result = cli.invoke("partners", "webhook", PARTNER, "--url-file", str(path), "--json")
    assert result.exit_code == 0, (result.output, result.exception)
    assert _urls(sent) == [URL]


def test_a_url_on_the_command_line_is_a_usage_error_and_not_sent(
    cli: Cli, sent: list[AdminRequest]
) -> None:
    """Before: the URL was the command's second argument (and so in the shell's history)."""
    result = cli.invoke("--json", "partners", "webhook", PARTNER, URL, input="")
    assert result.exit_code == 2, result.output
    assert json.loads(result.stderr)["error"] == "usage"
    assert "Fatima" not in result.output
    assert sent == []


@pytest.mark.parametrize(
    ("terminal", "given"),
    [(True, "\n"), (True, "   \n"), (False, ""), (False, "\n"), (False, "   \n")],
)
def test_no_url_is_a_clear_error_before_any_request(
    cli: Cli,
    sent: list[AdminRequest],
    monkeypatch: pytest.MonkeyPatch,
    terminal: bool,
    given: str,
) -> None:
    """An empty line at the prompt, or nothing on standard input (Ctrl-D at the prompt is
    Click's abort)."""
    monkeypatch.setattr(partners, "_terminal", lambda: terminal)
    result = cli.invoke("--json", "partners", "webhook", PARTNER, input=given)
    assert result.exit_code == 1, (result.output, result.exception)
    error = json.loads(result.stderr[result.stderr.index("{") :])  # after the prompt, if any
    assert error["error"] == "missing_url"
    assert error["detail"].startswith("no webhook URL was given")
    plain = cli.invoke("partners", "webhook", PARTNER, input=given)
    assert plain.exit_code == 1
    assert "error missing_url: no webhook URL was given" in plain.stderr
    assert sent == []


def test_a_url_on_several_lines_or_an_unreadable_file_is_refused_quoting_nothing(
    cli: Cli, sent: list[AdminRequest], tmp_path: Path
) -> None:
    lines = cli.invoke("--json", "partners", "webhook", PARTNER, input=f"{URL}\n{URL}\n")
    assert lines.exit_code == 1
    assert json.loads(lines.stderr)["error"] == "bad_url"
    missing = tmp_path / "Fatima Haddad.txt"
    absent = cli.invoke("--json", "partners", "webhook", PARTNER, "--url-file", str(missing))
    assert absent.exit_code == 1
    assert json.loads(absent.stderr)["error"] == "bad_file"
    for result in (lines, absent):
        assert "Fatima" not in result.output
    assert sent == []


@pytest.mark.parametrize("option", [(), ("--url-file", "-")])
def test_bytes_that_are_not_utf8_on_standard_input_are_refused_not_a_traceback(
    cli: Cli, sent: list[AdminRequest], option: tuple[str, ...]
) -> None:
    """The eleventh new user's trial: ``printf 'https://a.example/\\xff' | hub partners
    webhook <id>`` ended in a UnicodeEncodeError traceback."""
    given = b"https://partner.example/Fatima\xff\n"
    result = cli.invoke("--json", "partners", "webhook", PARTNER, *option, input=given)
    assert result.exit_code == 1, (result.output, result.exception)
    error = json.loads(result.stderr)
    assert (error["error"], error["detail"]) == (
        "bad_file",
        "the file cannot be read: is not UTF-8 text",
    )
    assert "Fatima" not in result.output
    assert sent == []


def test_a_prompted_url_that_is_not_utf8_is_refused(
    cli: Cli, sent: list[AdminRequest], monkeypatch: pytest.MonkeyPatch
) -> None:
    """At a terminal whose bytes are not UTF-8, Python hands them on as lone surrogates."""
    monkeypatch.setattr(partners, "_terminal", lambda: True)
    monkeypatch.setattr(partners.typer, "prompt", lambda *a, **k: "https://a.example/\udcff")
    result = cli.invoke("--json", "partners", "webhook", PARTNER)
    assert result.exit_code == 1, (result.output, result.exception)
    assert json.loads(result.stderr)["error"] == "bad_url"
    assert sent == []
