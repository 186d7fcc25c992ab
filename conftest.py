"""Root conftest: the shared test machinery of the hub, written once in hub_runtime.testing."""

from hypothesis import HealthCheck, settings

pytest_plugins = ["hub_runtime.testing", "hub_runtime.testing_oidc", "hub_demo.testing_hub"]

# Hypothesis's too_slow health check measures how fast inputs are generated, not whether a
# property holds; on a 2-core machine shared with Kafka, PostgreSQL and other test runs it failed
# property tests that passed. Every other health check stays on, and each test's own settings
# (deadline, examples) still apply on top of this profile.
settings.register_profile("hub", suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("hub")
