"""Settings of the casefile service (environment variables with the CASEFILE_ prefix)."""

from hub_runtime.settings import HubSettings
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything casefile reads from its environment; nothing else reads os.environ."""

    model_config = SettingsConfigDict(env_prefix="CASEFILE_", extra="ignore")

    http_host: str = Field("127.0.0.1", description="Interface the HTTP API listens on")
    http_port: int = Field(8101, ge=0, le=65535, description="HTTP port (0 = any free port)")
    database: str = Field("casefile", description="PostgreSQL database of this service")
    master_key: SecretStr = Field(
        SecretStr("dev-only-casefile-master-key-change-me"),
        description="Key-encryption secret that wraps every per-person key; rotate in production",
    )
    retention_days: int = Field(
        365, ge=0, description="Days after a case closes before the person is erased"
    )
    retention_check_seconds: float = Field(
        3600.0, gt=0, description="How often the retention worker looks for expired cases"
    )
    deadline_check_seconds: float = Field(
        60.0, gt=0, description="How often the deadline worker looks for due reminders"
    )
    hub: HubSettings = Field(default_factory=HubSettings)
