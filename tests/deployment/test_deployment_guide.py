"""docs/deployment.md cannot drift from the code: every environment variable and every metric
it names exists, and every setting the services read is in it."""

import re
from pathlib import Path

import hub_runtime.leadership
import hub_runtime.metrics
from casefile.config import Settings as CasefileSettings
from hub_runtime.settings import HubSettings
from opentelemetry import environment_variables as otel_api_env
from opentelemetry.sdk import environment_variables as otel_sdk_env
from partner_gateway.config import Settings as GatewaySettings
from prometheus_client import REGISTRY
from pydantic_settings import BaseSettings
from referral.config import Settings as ReferralSettings
from signals.config import Settings as SignalsSettings

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "deployment.md"
SETTINGS: list[type[BaseSettings]] = [
    HubSettings,
    CasefileSettings,
    ReferralSettings,
    GatewaySettings,
    SignalsSettings,
]
ENV_NAME = re.compile(
    r"\b(?:HUB|CASEFILE|REFERRAL|PARTNER_GATEWAY|SIGNALS|OTEL)_[A-Z0-9_]*[A-Z0-9]\b"
)
METRIC_NAME = re.compile(r"\b(?:hub|process)_[a-z_]*[a-z](?![.\w])")
# Read by the stack's scripts and tests, never by a service (infra/README.md explains them).
STACK_ONLY = re.compile(r"^HUB_(?:KAFKA_PASSWORD|PG_DSN|PG_OWNER_DSN)_[A-Z_]+$")


def _settings_variables() -> set[str]:
    """``<PREFIX><FIELD>`` of every service's settings (the nested hub settings apart)."""
    names = set()
    for cls in SETTINGS:
        prefix = str(cls.model_config.get("env_prefix") or "").upper()
        names |= {f"{prefix}{field.upper()}" for field in cls.model_fields if field != "hub"}
    return names


def _read_elsewhere() -> set[str]:
    """Variables the code reads outside the settings classes: named as a string in a
    service's or the runtime's source (e.g. the gateway admin CLI's token)."""
    sources = [
        *(ROOT / "runtime" / "src").rglob("*.py"),
        *(ROOT / "services").glob("*/src/**/*.py"),
    ]
    found: set[str] = set()
    for source in sources:
        found |= set(re.findall(r"[\"']([A-Z][A-Z0-9_]+)[\"']", source.read_text()))
    return found


def _otel_variables() -> set[str]:
    return {
        value
        for module in (otel_api_env, otel_sdk_env)
        for value in vars(module).values()
        if isinstance(value, str) and value.startswith("OTEL_")
    }


def _metric_families() -> set[str]:
    """Every metric family the processes expose, by its exposed name (``_total`` on counters)."""
    # Imported for their metrics (registered on import).
    assert hub_runtime.metrics
    assert hub_runtime.leadership
    return {
        f"{family.name}_total" if family.type == "counter" else family.name
        for family in REGISTRY.collect()
    }


def test_every_variable_the_guide_names_exists() -> None:
    known = _settings_variables() | _read_elsewhere() | _otel_variables()
    named = set(ENV_NAME.findall(GUIDE.read_text()))
    assert named, "the scan must see the guide's variables"
    assert sorted(named - known) == []


def test_every_setting_the_services_read_is_in_the_guide() -> None:
    named = set(ENV_NAME.findall(GUIDE.read_text()))
    missing = {v for v in _settings_variables() - named if not STACK_ONLY.match(v)}
    assert sorted(missing) == []


def test_every_metric_the_guide_names_exists_and_every_hub_metric_is_in_it() -> None:
    exposed = _metric_families()
    named = set(METRIC_NAME.findall(GUIDE.read_text()))
    assert named, "the scan must see the guide's metrics"
    assert sorted(named - exposed) == []
    assert sorted(m for m in exposed if m.startswith("hub_") and m not in named) == []


def test_the_guide_is_linked_from_the_readmes() -> None:
    assert "docs/deployment.md" in (ROOT / "README.md").read_text()
    assert "../docs/deployment.md" in (ROOT / "infra" / "README.md").read_text()
