"""How the hub's clients prove who they are to Kafka and PostgreSQL (part of `HubSettings`).

Kept apart from `hub_runtime.settings` so transport security stays one small module. The
defaults are the secure ones: a Kafka client without credentials fails at start with the name
of the missing variable instead of falling back to an unauthenticated connection.
"""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr

from hub_runtime.secrets import EnvSettings


class TransportSettings(EnvSettings):
    """Kafka login (SASL/SCRAM-SHA-512 over TLS) and the database owner DSN for migrations.

    Read from ``HUB_KAFKA_SECURITY_PROTOCOL``, ``HUB_KAFKA_USERNAME``, ``HUB_KAFKA_PASSWORD``,
    ``HUB_KAFKA_CA_FILE`` and ``HUB_PG_OWNER_DSN`` (the prefix comes from `HubSettings`)."""

    kafka_security_protocol: Literal["SASL_SSL", "PLAINTEXT"] = Field(
        "SASL_SSL",
        description="SASL_SSL (SCRAM-SHA-512 over TLS, the default); PLAINTEXT only for a"
        " broker without security (none of the hub's stacks)",
    )
    kafka_username: str = Field("", description="The Kafka principal (one per service)")
    kafka_password: SecretStr = Field(SecretStr(""), description="Its SCRAM-SHA-512 password")
    kafka_ca_file: Path | None = Field(
        None, description="PEM file of the CA that signed the brokers' certificates"
    )
    pg_owner_dsn: str = Field(
        "",
        description="Server DSN (no database) of the role owning the service's database; it"
        " runs the migrations and grants the run-time role (HUB_PG_DSN) data access. Empty:"
        " migrations run as the run-time role",
    )
