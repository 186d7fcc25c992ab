"""Root conftest: the shared test machinery of the hub, written once in hub_runtime.testing."""

pytest_plugins = ["hub_runtime.testing", "hub_runtime.testing_oidc"]
