"""Settings of the casefile service (environment variables with the CASEFILE_ prefix)."""

from hub_runtime.master_key import MasterKeySettings
from hub_runtime.settings import HubSettings
from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict


class Settings(MasterKeySettings):
    """Everything casefile reads from its environment; nothing else reads os.environ."""

    model_config = SettingsConfigDict(env_prefix="CASEFILE_", extra="ignore")

    http_host: str = Field("127.0.0.1", description="Interface the HTTP API listens on")
    http_port: int = Field(8101, ge=0, le=65535, description="HTTP port (0 = any free port)")
    database: str = Field("casefile", description="PostgreSQL database of this service")
    master_key: SecretStr = Field(
        SecretStr("dev-only-casefile-master-key-change-me"),
        description="Master secret of the key-encryption key that wraps every person's key"
        " (version CASEFILE_MASTER_KEY_VERSION); new keys are wrapped under it. Version, previous"
        " and next key: `hub_runtime.master_key`",
    )
    index_key: SecretStr = Field(
        SecretStr("dev-only-casefile-index-key-change-me"),
        description="Secret of the persons' blind index (HMAC-SHA256 of the normalised name and"
        " date of birth; `casefile.domain.person_index`): how an open case for a person already"
        " in the hub is found. A new value needs `python -m casefile.reindex`",
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
