"""``make run``'s HTTP ports are the operator's to choose (the second trial's finding: fixed
8101-8104 made two stacks on one machine collide): ``infra/services.sh`` takes each service's
own port variable, and the tools that find the services here (the demo seeding; ``hub`` in
tools/hub-cli/tests) follow the same variables."""

import os
import shutil
import socket
import subprocess
import sys
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


FAKE_PYTHON = """#!/usr/bin/env bash
# A stand-in for .venv/bin/python: a service module answers 200 on its port, anything else
# runs the real interpreter (the secrets file, the health checks).
if [ "$1" = "-m" ]; then
  case $2 in
    casefile.main) port=$CASEFILE_HTTP_PORT ;;
    referral.main) port=$REFERRAL_HTTP_PORT ;;
    partner_gateway.main) port=$PARTNER_GATEWAY_HTTP_PORT ;;
    signals.main) port=$SIGNALS_HTTP_PORT ;;
  esac
  exec {python} -c "
import http.server
class Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers()
http.server.HTTPServer(('127.0.0.1', $port), Ok).serve_forever()"
fi
exec {python} "$@"
"""


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _copy_of_the_scripts(root: Path) -> Path:
    """``infra/services.sh`` in ``root`` with a stand-in stack (.hub/stack.env: each
    service's principal and roles, never used) and interpreter (`FAKE_PYTHON`)."""
    (root / "infra").mkdir()
    script = root / "infra" / "services.sh"
    shutil.copy(SERVICES_SH, script)
    hub = root / ".hub"
    hub.mkdir()
    names = ("CASEFILE", "REFERRAL", "PARTNER_GATEWAY", "SIGNALS")
    stack = [f"HUB_{kind}_{name}=unused" for name in names for kind in ("KAFKA_PASSWORD", "PG_DSN")]
    stack += [f"HUB_PG_OWNER_DSN_{name}=unused" for name in names]
    (hub / "stack.env").write_text("\n".join(stack) + "\n")
    python = root / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_PYTHON.replace("{python}", sys.executable))
    python.chmod(0o755)
    return script


def test_status_shows_the_ports_make_run_used_without_the_variables(tmp_path: Path) -> None:
    """The third trial's finding: ``make status`` after ``make run`` on other ports showed
    8101-8104. ``up`` records its ports; ``status`` and ``urls`` read them; ``down`` forgets."""
    script = _copy_of_the_scripts(tmp_path)
    ports = dict(zip(ALL, _free_ports(len(ALL)), strict=True))
    env = {k: v for k, v in os.environ.items() if k not in ALL and k != "HUB_CLUSTER"}

    def run(command: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(script), command],
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    try:
        started = run("up", **{k: str(v) for k, v in ports.items()})
        assert started.returncode == 0, started.stdout + started.stderr
        status = run("status")  # no port variable, as `make status` runs it
        for name, variable in (
            ("casefile", "CASEFILE_HTTP_PORT"),
            ("referral", "REFERRAL_HTTP_PORT"),
            ("partner-gateway", "PARTNER_GATEWAY_HTTP_PORT"),
            ("signals", "SIGNALS_HTTP_PORT"),
        ):
            assert f"{name}: running on :{ports[variable]}" in status.stdout, status.stdout
        assert ":810" not in status.stdout
        urls = run("urls")
        assert f"http://127.0.0.1:{ports['CASEFILE_HTTP_PORT']}" in urls.stdout
        chosen = run("urls", CASEFILE_HTTP_PORT="9999")  # a variable set now still wins
        assert "http://127.0.0.1:9999" in chosen.stdout
    finally:
        stopped = run("down")
    assert stopped.returncode == 0, stopped.stderr
    assert "http://127.0.0.1:8101" in run("urls").stdout  # forgotten with the services
