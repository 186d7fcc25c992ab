"""Settings shared by every service. Services add their own class with their own env prefix.

Every setting may also come from a file (``HUB_JWT_SECRET_FILE=/run/secrets/jwt``): see
`hub_runtime.secrets`, which also says which secrets production refuses.
"""

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from hub_runtime.transport_settings import TransportSettings

# Refused outside development mode (hub_runtime.secrets), like every default secret.
DEVELOPMENT_JWT_SECRET = "dev-only-secret-change-me-0123456789abcdef"  # noqa: S105
DEVELOPMENT_DEAD_LETTER_KEY = "dev-only-dead-letter-key-change-me-0123456789"

DAY_MS = 24 * 60 * 60 * 1000
# Long enough for an operator to notice a dead letter (a metric and an alert), fix the cause
# and replay it, across a holiday; short enough that a personal value a producer wrongly sent
# does not outlive the person's erasure by much (docs/privacy-inventory.md, Kafka topics).
DEAD_LETTER_RETENTION_MS = 14 * DAY_MS
# A command is applied within seconds; a week covers a referral outage over a long weekend.
# Commands are requests, not facts: no service rebuilds state from them.
COMMAND_RETENTION_MS = 7 * DAY_MS
# Events are facts the consumers apply within seconds; a month covers a service (or its
# database) down over a long holiday, and a restore of its database from a backup of up to that
# age, after which it catches up from Kafka (its inbox applies each event once). Kafka's own
# default (7 days) would be an accident of the broker's configuration, not a choice.
EVENT_RETENTION_MS = 30 * DAY_MS


class HubSettings(TransportSettings):
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
        SecretStr(DEVELOPMENT_JWT_SECRET),
        description="HMAC key (HS256) of the tokens the hub issues itself: partners' tokens (the"
        " gateway's token endpoint) and service-to-service calls; in development also staff"
        " tokens (`make token`). Signs and verifies",
    )
    jwt_previous_secret: SecretStr | None = Field(
        None,
        description="The HMAC key HUB_JWT_SECRET replaced: still verifies (never signs) during a"
        " rotation, for at least the longest token lifetime; then unset it",
    )
    oidc_issuer: str | None = Field(
        None,
        description="Issuer URL of the OpenID Connect provider that signs staff tokens (its"
        " /.well-known/openid-configuration names the JWKS); required in production",
    )
    oidc_audience: str = Field(
        "council-hub", description="The `aud` a staff token must carry (the hub's client id)"
    )
    oidc_jwks_url: str | None = Field(
        None, description="The provider's JWKS URL; empty: taken from its discovery document"
    )
    oidc_roles_claim: str = Field(
        "roles",
        description="Claim holding the user's roles, dotted for nested claims (Keycloak's realm"
        " roles: realm_access.roles; Entra ID: roles)",
    )
    oidc_role_map: dict[str, str] = Field(
        default_factory=dict,
        description='JSON object from a provider role to a hub staff role, e.g. {"hub-counsellor":'
        ' "counsellor"}; empty: the provider uses the hub\'s role names. Unmapped roles are'
        " ignored; a token mapping to no or several hub roles is refused",
    )
    oidc_subject_claim: str = Field(
        "sub", description="Claim naming the staff member in the hub's audit (a login or id)"
    )
    oidc_jwks_refetch_seconds: float = Field(
        10.0,
        ge=0,
        description="Least time between two JWKS refetches caused by a token naming an unknown"
        " key id (key rollover); bounds what forged key ids can make the hub ask the provider",
    )
    oidc_leeway_seconds: int = Field(
        30, ge=0, le=300, description="Clock skew tolerated on exp, nbf and iat"
    )
    topic_prefix: str = Field(
        "",
        pattern=r"^[a-z0-9-]*\.?$",
        description="Prepended to every topic and consumer group; isolates test runs and"
        " environments sharing one broker (e.g. 't-1a2b.')",
    )
    topic_partitions: int = Field(3, ge=1, description="Partitions for topics the hub creates")
    kafka_replication_factor: int = Field(
        1,
        ge=1,
        description="Replicas of each topic the hub creates: 1 on the single broker, 3 on the"
        " three-node cluster (HUB_KAFKA_REPLICATION_FACTOR, written by infra/stack.sh); from 3"
        " replicas on, the topics also get min.insync.replicas=2",
    )
    dead_letter_key: SecretStr = Field(
        SecretStr(DEVELOPMENT_DEAD_LETTER_KEY),
        description="Secret of the key that seals (AES-GCM) every dead letter's record value,"
        " so a personal value a producer wrongly sent never sits in a `.dlq` topic in"
        " plaintext (hub_runtime.dead_letter_seal); every consumer seals with it and `hub"
        " dead-letters` opens with it. Production refuses the development default",
    )
    dead_letter_previous_key: SecretStr | None = Field(
        None,
        description="The secret HUB_DEAD_LETTER_KEY replaced: still opens (never seals) the"
        " letters sealed before a rotation, until the dead-letter retention has passed; then"
        " unset it",
    )
    dead_letter_retention_ms: int = Field(
        DEAD_LETTER_RETENTION_MS,
        ge=60_000,
        description="retention.ms of every `.dlq` topic (default 14 days): long enough to fix"
        " and replay, short enough that a wrongly sent value does not outlive erasure by much;"
        " set on creation and on existing topics (hub_runtime.kafka.ensure_topics)",
    )
    command_retention_ms: int = Field(
        COMMAND_RETENTION_MS,
        ge=60_000,
        description="retention.ms of the command topics (`*.commands.*`, default 7 days):"
        " commands are applied within seconds and nothing rebuilds from them, so a wrongly"
        " sent value in one is deleted after this",
    )
    event_retention_ms: int = Field(
        EVENT_RETENTION_MS,
        ge=60_000,
        description="retention.ms of the event topics (default 30 days): how long a consumer"
        " (or a service whose database was restored from a backup) may stay behind and still"
        " catch up from Kafka; keep it longer than the backup interval (docs/deployment.md)",
    )
    outbox_poll_seconds: float = Field(1.0, gt=0, description="Relay poll when no NOTIFY came")
    leader_retry_seconds: float = Field(
        5.0,
        gt=0,
        description="How often an instance that does not lead a single-instance worker (e.g."
        " casefile's deadline pass) tries to take over: the longest a pass waits after its"
        " leader died (hub_runtime.leadership)",
    )
    consumer_max_attempts: int = Field(5, ge=1, description="Handler attempts before dead-letter")
    kafka_stop_grace_seconds: float = Field(
        10.0,
        gt=0,
        description="How long a stopping service waits for each Kafka client to stop cleanly"
        " (leave its group, flush); after it the client is closed hard: a rebalance held up by"
        " another member must not keep a stop waiting",
    )
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
