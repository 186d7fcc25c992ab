"""Settings of the referral service (environment variables with the REFERRAL_ prefix)."""

from hub_runtime.master_key import MasterKeySettings
from hub_runtime.settings import HubSettings
from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict


class Settings(MasterKeySettings):
    """Everything referral reads from its environment; nothing else reads os.environ."""

    model_config = SettingsConfigDict(env_prefix="REFERRAL_", extra="ignore")

    http_host: str = Field("127.0.0.1", description="Interface the HTTP API listens on")
    http_port: int = Field(8102, ge=0, le=65535, description="HTTP port (0 = any free port)")
    database: str = Field("referral", description="PostgreSQL database of this service")
    timezone: str = Field(
        "Europe/Amsterdam", description="Zone that decides what 'today' is for validity periods"
    )
    answer_timeout_seconds: float = Field(
        14 * 24 * 3600.0,
        gt=0,
        description="A referral with no answer from the partner this long after approval expires",
    )
    expiry_check_seconds: float = Field(
        60.0, gt=0, description="How often the expiry worker looks for unanswered referrals"
    )
    commands_enabled: bool = Field(
        True, description="Apply counsellors' tools' commands from referral.commands.v1"
    )
    command_max_attempts: int = Field(
        8,
        ge=1,
        description="Attempts at a command for a case the view has not seen yet before it is"
        " dead-lettered; the pauses between them are HUB_CONSUMER_BACKOFF_SECONDS, doubled each"
        " time up to HUB_CONSUMER_BACKOFF_MAX_SECONDS (defaults: about 5 s in all)",
    )
    casefile_url: str | None = Field(
        "http://127.0.0.1:8101",
        description="Base URL of casefile: asked where a case stands before a request is judged"
        " on a view that would refuse it (read-your-writes); empty: never asked",
    )
    casefile_timeout_seconds: float = Field(2.0, gt=0, description="Timeout of that call")
    view_catch_up_seconds: float = Field(
        5.0,
        ge=0,
        description="How long a request may wait for the case view to apply what casefile has"
        " committed for the case, before it is judged on the view as it stands",
    )
    master_key: SecretStr = Field(
        SecretStr("dev-only-referral-master-key-change-me"),
        description="Key-encryption secret that wraps referral's per-case keys (review reasons,"
        " consent evidence references), as version REFERRAL_MASTER_KEY_VERSION. Version, previous"
        " and next key: `hub_runtime.master_key`",
    )
    hub: HubSettings = Field(default_factory=HubSettings)
