"""Settings shared by every service. Services add their own class with their own env prefix."""

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class HubSettings(BaseSettings):
    """What every service needs to reach the stack. Read from `HUB_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="HUB_", extra="ignore")

    env: Literal["development", "production"] = Field(
        "production",
        description="HUB_ENV. Production (the default, the safe choice) refuses what only a"
        " developer's machine needs, e.g. webhooks to loopback or private addresses over plain"
        " HTTP; `make run`, the tests, the demo, chaos and bench tools set development",
    )
    kafka_bootstrap: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers")
    pg_dsn: str = Field(
        "postgresql://hub@127.0.0.1:5432",
        description="PostgreSQL server DSN without a database name; each service adds its own",
    )
    jwt_secret: SecretStr = Field(
        SecretStr("dev-only-secret-change-me-0123456789abcdef"),
        description="HMAC key for the bearer tokens of every HTTP API",
    )
    topic_prefix: str = Field(
        "",
        pattern=r"^[a-z0-9-]*\.?$",
        description="Prepended to every topic and consumer group; isolates test runs and"
        " environments sharing one broker (e.g. 't-1a2b.')",
    )
    topic_partitions: int = Field(3, ge=1, description="Partitions for topics the hub creates")
    outbox_poll_seconds: float = Field(1.0, gt=0, description="Relay poll when no NOTIFY came")
    consumer_max_attempts: int = Field(5, ge=1, description="Handler attempts before dead-letter")
    consumer_backoff_seconds: float = Field(0.05, gt=0, description="First retry delay; doubles")
    consumer_backoff_max_seconds: float = Field(2.0, gt=0, description="Retry delay cap")
    metrics_refresh_seconds: float = Field(
        5.0, gt=0, description="How often lag, outbox backlog and dead-letter sizes refresh"
    )
    http_max_in_flight: int = Field(
        256, ge=1, description="HTTP requests handled at once; more get 503 (backpressure)"
    )
    max_body_bytes: int = Field(256 * 1024, ge=1024, description="Largest HTTP body accepted")
    log_level: str = Field("INFO")
    event_loop: Literal["uvloop", "asyncio"] = Field(
        "uvloop",
        description="HUB_EVENT_LOOP: the process's event loop; uvloop (libuv) costs less CPU per"
        " request and per record than the standard library's (measured by `make bench`)",
    )
    http_parser: Literal["httptools", "h11"] = Field(
        "httptools",
        description="HUB_HTTP_PARSER: uvicorn's HTTP/1.1 parser; httptools (C) or h11 (pure"
        " Python, the slower reference)",
    )

    @property
    def development(self) -> bool:
        """True on a developer's machine (HUB_ENV=development)."""
        return self.env == "development"

    def topic(self, logical: str) -> str:
        """The broker topic for a logical topic name of the contracts."""
        return f"{self.topic_prefix}{logical}"
