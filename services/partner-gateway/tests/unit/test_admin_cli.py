"""``python -m partner_gateway.admin webhook`` reads the URL from standard input, never from
its arguments (the ninth new user's trial: shell history and process listings keep those, and
a webhook URL's query may hold the partner's secret)."""

import io
import sys

import pytest
from partner_gateway import admin

PARTNER = "4e3720a1-55d1-4a3b-9a0c-2f6d3c9a8b11"
URL = "https://partner.example/hook?api_key=Fatima-k-123"


def _request(monkeypatch: pytest.MonkeyPatch, stdin: str, *argv: str) -> admin.AdminRequest:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return admin._request(admin._parser().parse_args(["webhook", PARTNER, *argv]))


def test_the_url_is_read_from_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    request = _request(monkeypatch, f" {URL}\n")
    assert request == admin.webhook(PARTNER, URL)


def test_a_url_as_an_argument_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as usage:
        _request(monkeypatch, "", URL)
    assert usage.value.code == 2
    assert "Fatima" not in capsys.readouterr().err  # argparse names the extra arguments


@pytest.mark.parametrize("stdin", ["", "\n", "  \n"])
def test_no_url_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, stdin: str) -> None:
    with pytest.raises(SystemExit) as refused:
        _request(monkeypatch, stdin)
    assert refused.value.code == "error missing_url: no webhook URL was given on standard input"
