"""``make run``'s HTTP ports are the operator's to choose (the second trial's finding: fixed
8101-8104 made two stacks on one machine collide): ``infra/services.sh`` takes each service's
own port variable, and the tools that find the services here (the demo seeding; ``hub`` in
tools/hub-cli/tests) follow the same variables."""

import os
import subprocess
from pathlib import Path

import pytest
from hub_demo import seed

SERVICES_SH = Path(__file__).resolve().parents[2] / "infra" / "services.sh"
PORT_VARIABLES = ("CASEFILE_HTTP_PORT", "REFERRAL_HTTP_PORT", "PARTNER_GATEWAY_HTTP_PORT")
ALL = (*PORT_VARIABLES, "SIGNALS_HTTP_PORT", "SIM_PORT")


def _urls(**ports: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ALL}
    return subprocess.run(
        ["bash", str(SERVICES_SH), "urls"],
        env={**env, **ports},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_defaults_are_unchanged() -> None:
    shown = _urls()
    assert shown.returncode == 0, shown.stderr
    for port in (8101, 8102, 8103, 8104, 8190):
        assert f"http://127.0.0.1:{port}" in shown.stdout


def test_each_port_follows_its_variable() -> None:
    shown = _urls(
        CASEFILE_HTTP_PORT="9101",
        REFERRAL_HTTP_PORT="9102",
        PARTNER_GATEWAY_HTTP_PORT="9103",
        SIGNALS_HTTP_PORT="9104",
        SIM_PORT="9190",
    )
    assert shown.returncode == 0, shown.stderr
    for port in (9101, 9102, 9103, 9104, 9190):
        assert f"http://127.0.0.1:{port}" in shown.stdout
    assert "810" not in shown.stdout


@pytest.mark.parametrize("value", ["0", "70000", "eighty", "81 01"])
def test_a_value_that_is_no_port_is_refused_by_name(value: str) -> None:
    shown = _urls(SIGNALS_HTTP_PORT=value)
    assert shown.returncode == 2
    assert shown.stderr.strip() == "SIGNALS_HTTP_PORT must be a port number from 1 to 65535"


def test_the_demo_seeding_follows_the_same_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ALL:
        monkeypatch.delenv(variable, raising=False)
    assert seed.urls().gateway == "http://127.0.0.1:8103"
    monkeypatch.setenv("PARTNER_GATEWAY_HTTP_PORT", "9103")
    monkeypatch.setenv("SIM_PORT", "9190")
    assert seed.urls().gateway == "http://127.0.0.1:9103"
    assert seed.urls().casefile == "http://127.0.0.1:8101"
    assert seed.simulator_webhook() == "http://127.0.0.1:9190/webhooks"
