"""A real casefile process (`python -m casefile.main`) outside development mode: it refuses to
start with missing, default or weak secrets, naming each (exit 78), and starts with strong ones
given as ``*_FILE`` files (the container convention) on the real stack."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from hub_runtime.settings import HubSettings

pytestmark = pytest.mark.integration

EX_CONFIG = 78


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any hub setting (so nothing leaks in from the test's shell)."""
    prefixes = ("HUB_", "CASEFILE_", "REFERRAL_", "SIGNALS_", "PARTNER_GATEWAY_")
    base = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return {**base, **extra}


def _kafka_login(hub: HubSettings) -> dict[str, object]:
    """The test's Kafka login as the variables a deployment sets (a secret, so production
    refuses to start without it)."""
    return {
        "HUB_KAFKA_SECURITY_PROTOCOL": hub.kafka_security_protocol,
        "HUB_KAFKA_USERNAME": hub.kafka_username,
        "HUB_KAFKA_PASSWORD": hub.kafka_password.get_secret_value(),
        "HUB_KAFKA_CA_FILE": hub.kafka_ca_file or "",
    }


def run_casefile(env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "casefile.main"],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_production_refuses_the_default_secrets_and_names_them() -> None:
    done = run_casefile(clean_env(HUB_ENV="production"))
    assert done.returncode == EX_CONFIG, done.stderr
    named = ("HUB_JWT_SECRET", "HUB_DEAD_LETTER_KEY", "CASEFILE_MASTER_KEY", "CASEFILE_INDEX_KEY")
    for name in (*named, "HUB_OIDC_ISSUER"):
        assert name in done.stderr
    assert "development default" in done.stderr
    assert "Traceback" not in done.stderr


def test_production_is_the_default_mode() -> None:
    done = run_casefile(clean_env())
    assert done.returncode == EX_CONFIG
    assert "CASEFILE_MASTER_KEY is the development default" in done.stderr


def test_a_weak_secret_is_refused(tmp_path: Path) -> None:
    weak = tmp_path / "master"
    weak.write_text("short-but-not-default\n")
    done = run_casefile(
        clean_env(
            HUB_ENV="production",
            HUB_JWT_SECRET=secrets.token_urlsafe(32),
            HUB_OIDC_ISSUER="https://id.council.example/realms/council",
            CASEFILE_MASTER_KEY_FILE=str(weak),
        )
    )
    assert done.returncode == EX_CONFIG
    assert "CASEFILE_MASTER_KEY is weak" in done.stderr
    assert "HUB_JWT_SECRET" not in done.stderr  # a strong one is not listed
    assert "short-but-not-default" not in done.stderr  # a secret is never printed


def test_a_secret_given_twice_or_in_a_missing_file_is_refused(tmp_path: Path) -> None:
    both = run_casefile(
        clean_env(
            HUB_ENV="production",
            CASEFILE_MASTER_KEY=secrets.token_urlsafe(32),
            CASEFILE_MASTER_KEY_FILE=str(tmp_path / "x"),
        )
    )
    assert both.returncode == EX_CONFIG
    assert "CASEFILE_MASTER_KEY and CASEFILE_MASTER_KEY_FILE are both set" in both.stderr
    missing = run_casefile(
        clean_env(HUB_ENV="production", HUB_JWT_SECRET_FILE=str(tmp_path / "absent"))
    )
    assert missing.returncode == EX_CONFIG
    assert "HUB_JWT_SECRET_FILE: cannot read" in missing.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_strong_secrets_from_files_start_the_service(
    tmp_path: Path, hub_settings: HubSettings, fresh_database: str
) -> None:
    files = {}
    secret_names = ("HUB_JWT_SECRET", "HUB_DEAD_LETTER_KEY", "CASEFILE_MASTER_KEY")
    for name in (*secret_names, "CASEFILE_INDEX_KEY"):
        path = tmp_path / name.lower()
        path.write_text(secrets.token_urlsafe(32) + "\n")
        files[f"{name}_FILE"] = str(path)
    port = free_port()
    env = clean_env(
        HUB_ENV="production",
        HUB_KAFKA_BOOTSTRAP=hub_settings.kafka_bootstrap,
        **{var: str(value) for var, value in _kafka_login(hub_settings).items()},
        HUB_PG_DSN=hub_settings.pg_dsn,
        HUB_TOPIC_PREFIX=f"t-{secrets.token_hex(4)}.",
        HUB_OIDC_ISSUER="https://id.council.example/realms/council",
        CASEFILE_DATABASE=fresh_database,
        CASEFILE_HTTP_PORT=str(port),
        **files,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "casefile.main"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        healthy = False
        while time.monotonic() < deadline and process.poll() is None:
            try:
                healthy = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).is_success
            except httpx.HTTPError:
                healthy = False
            if healthy:
                break
            time.sleep(0.5)
        assert healthy, f"exit {process.poll()}: {process.stderr.read() if process.poll() else ''}"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
