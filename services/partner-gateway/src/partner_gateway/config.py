"""Settings of the partner gateway (environment variables with the PARTNER_GATEWAY_ prefix)."""

from hub_runtime.master_key import MasterKeySettings
from hub_runtime.settings import HubSettings
from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict


class Settings(MasterKeySettings):
    """Everything the gateway reads from its environment; nothing else reads os.environ."""

    model_config = SettingsConfigDict(env_prefix="PARTNER_GATEWAY_", extra="ignore")

    http_host: str = Field("127.0.0.1", description="Interface the HTTP API listens on")
    http_port: int = Field(8103, ge=0, le=65535, description="HTTP port (0 = any free port)")
    database: str = Field("partner_gateway", description="PostgreSQL database of this service")
    casefile_url: str = Field(
        "http://127.0.0.1:8101", description="Base URL of casefile (internal disclosure endpoint)"
    )
    timezone: str = Field("Europe/Amsterdam", description="Where the council's day is counted")
    casefile_timeout_seconds: float = Field(10.0, gt=0, description="Disclosure call timeout")
    max_body_bytes: int = Field(16 * 1024, ge=1024, description="Largest partner request body")

    delivery_poll_seconds: float = Field(
        0.5,
        gt=0,
        description="Delivery worker poll interval: when a retry falls due (a newly queued"
        " delivery wakes the worker at once through NOTIFY)",
    )
    delivery_timeout_seconds: float = Field(10.0, gt=0, description="Timeout of one webhook POST")
    delivery_first_backoff_seconds: float = Field(2.0, gt=0, description="First retry delay")
    delivery_max_backoff_seconds: float = Field(600.0, gt=0, description="Retry delay cap")
    delivery_max_attempts: int = Field(
        50,
        ge=1,
        description="Attempts before a webhook is given up (it stays in the pull inbox)",
    )
    delivery_concurrency: int = Field(16, ge=1, description="Partners served in parallel")
    breaker_failure_threshold: int = Field(
        5, ge=1, description="Consecutive failures that open a partner's circuit"
    )
    breaker_pause_seconds: float = Field(
        60.0, gt=0, description="How long an open circuit waits before one trial (half-open)"
    )

    rate_limit_per_second: float = Field(
        10.0,
        gt=0,
        description="Sustained requests per second per partner (and per client id at the"
        " token exchange), counted across every gateway instance (GCRA in PostgreSQL)",
    )
    rate_limit_burst: int = Field(
        40, ge=1, description="Requests allowed at once before the sustained rate applies"
    )

    partner_token_ttl_seconds: int = Field(900, ge=60, description="Lifetime of partner tokens")
    credential_overlap_seconds: int = Field(
        24 * 3600, ge=0, description="How long the previous secret still works after a rotation"
    )
    notice_ack_due_seconds: int = Field(
        7 * 24 * 3600, ge=1, description="A notice not acknowledged by then is overdue"
    )
    portal_idle_seconds: int = Field(
        15 * 60,
        ge=60,
        description="A portal session not used for this long ends (OWASP: 15-30 min for"
        " applications that show personal data)",
    )
    portal_absolute_seconds: int = Field(
        10 * 3600, ge=300, description="A portal session ends this long after sign-in, used or not"
    )
    portal_sign_in_per_minute: float = Field(
        5.0, gt=0, description="Sign-in attempts per minute per e-mail address and per client"
    )
    portal_sign_in_burst: int = Field(5, ge=1, description="Sign-in attempts allowed at once")
    master_key: SecretStr = Field(
        SecretStr("dev-only-partner-gateway-master-key-change-me"),
        description="Key-encryption secret that seals the portal staff's TOTP secrets (the"
        " second factor), as version PARTNER_GATEWAY_MASTER_KEY_VERSION. Version, previous and"
        " next key: `hub_runtime.master_key`",
    )
    hub: HubSettings = Field(default_factory=HubSettings)
