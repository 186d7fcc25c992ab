"""The services' local ports: the services' own port variables, then the ports ``make run``
recorded, defaults 8101-8104 and 8190."""

from pathlib import Path

import pytest
from hub_runtime.local_ports import PortSettingError, local_port, local_url, recorded_ports

NONE_RECORDED = {"HUB_PORTS_FILE": "/nonexistent/ports.env"}


def test_the_defaults_are_make_runs_ports() -> None:
    assert [
        local_port(s, NONE_RECORDED) for s in ("casefile", "referral", "partner-gateway", "signals")
    ] == [
        8101,
        8102,
        8103,
        8104,
    ]
    assert local_url("partner-simulator", NONE_RECORDED) == "http://127.0.0.1:8190"


def test_each_service_follows_its_own_port_variable() -> None:
    environ = {
        "CASEFILE_HTTP_PORT": "9101",
        "PARTNER_GATEWAY_HTTP_PORT": " 9103 ",
        "SIM_PORT": "",
        **NONE_RECORDED,
    }
    assert local_url("casefile", environ) == "http://127.0.0.1:9101"
    assert local_url("partner-gateway", environ) == "http://127.0.0.1:9103"
    assert local_url("referral", environ) == "http://127.0.0.1:8102"
    assert local_port("partner-simulator", environ) == 8190  # empty: the default


@pytest.mark.parametrize("value", ["0", "65536", "81o1", "-1", "٨١٠١", "8101.0"])
def test_a_value_that_is_no_port_names_the_variable(value: str) -> None:
    with pytest.raises(PortSettingError) as refused:
        local_port("signals", {"SIGNALS_HTTP_PORT": value, **NONE_RECORDED})
    assert refused.value.variable == "SIGNALS_HTTP_PORT"
    assert value not in str(refused.value)


def test_the_ports_make_run_recorded_are_read_and_a_variable_still_wins(tmp_path: Path) -> None:
    """The fourth trial: ``make status`` read ``.hub/run/ports.env`` but ``hub`` and the demo
    seeding needed the variables exported. The file is what ``infra/services.sh`` writes."""
    recorded = tmp_path / "ports.env"
    recorded.write_text(
        "CASEFILE_HTTP_PORT=9101\nREFERRAL_HTTP_PORT=9102\nPARTNER_GATEWAY_HTTP_PORT=9103\n"
        "SIGNALS_HTTP_PORT=9104\nSIM_PORT=9190\nOTHER=1\n"
    )
    environ = {"HUB_PORTS_FILE": str(recorded), "REFERRAL_HTTP_PORT": "9902"}
    assert local_url("casefile", environ) == "http://127.0.0.1:9101"
    assert local_port("referral", environ) == 9902  # the variable set now wins
    assert local_port("partner-gateway", environ) == 9103
    assert local_port("signals", environ) == 9104
    assert local_port("partner-simulator", environ) == 9190
    assert "OTHER" not in recorded_ports(environ)
    recorded.write_text("SIGNALS_HTTP_PORT=81o4\n")
    with pytest.raises(PortSettingError) as refused:
        local_port("signals", environ)
    assert refused.value.variable == "SIGNALS_HTTP_PORT"


def test_the_record_is_read_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``make run`` writes ``.hub/run/ports.env`` under the repository; ``hub`` runs there."""
    (tmp_path / ".hub" / "run").mkdir(parents=True)
    (tmp_path / ".hub" / "run" / "ports.env").write_text("SIGNALS_HTTP_PORT=9204\n")
    monkeypatch.chdir(tmp_path)
    assert local_port("signals", {}) == 9204
    assert local_port("casefile", {}) == 8101
