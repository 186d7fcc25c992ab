"""Every service's real process refuses production mode with the secrets written in code,
naming its own (unit-fast: the refusal comes before any connection to the stack)."""

import os
import subprocess
import sys

import pytest

EX_CONFIG = 78


@pytest.mark.parametrize(
    ("module", "own_secret"),
    [
        ("casefile.main", "CASEFILE_MASTER_KEY"),
        ("referral.main", "REFERRAL_MASTER_KEY"),
        ("partner_gateway.main", "PARTNER_GATEWAY_MASTER_KEY"),
        ("signals.main", "SIGNALS_HASH_KEY"),
    ],
)
def test_a_service_refuses_production_with_default_secrets(
    module: str, own_secret: str | None
) -> None:
    prefixes = ("HUB_", "CASEFILE_", "REFERRAL_", "SIGNALS_", "PARTNER_GATEWAY_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    done = subprocess.run(
        [sys.executable, "-m", module],
        env={**env, "HUB_ENV": "production"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == EX_CONFIG, done.stderr
    assert "HUB_JWT_SECRET is the development default" in done.stderr
    assert "HUB_DEAD_LETTER_KEY is the development default" in done.stderr
    assert "HUB_OIDC_ISSUER is missing" in done.stderr
    if own_secret:
        assert f"{own_secret} is the development default" in done.stderr
