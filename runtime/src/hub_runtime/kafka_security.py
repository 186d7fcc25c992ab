"""The one place that turns settings into Kafka client security options.

Every aiokafka producer, consumer and admin client of the hub is built with
:func:`kafka_client_options`, and every FastStream broker with :func:`broker_security`, so no
client can connect differently: SASL/SCRAM-SHA-512 (RFC 5802, RFC 7677) over TLS, the broker
certificate checked against the configured CA and its host name (RFC 6125).
"""

import functools
import ssl
from pathlib import Path
from typing import Any

from faststream.security import SASLScram512

from hub_runtime.settings import HubSettings

SASL_MECHANISM = "SCRAM-SHA-512"


class KafkaSecurityError(ValueError):
    """The settings cannot make a secure Kafka connection; the message names the variable."""


@functools.lru_cache(maxsize=8)
def kafka_ssl_context(ca_file: Path) -> ssl.SSLContext:
    """A TLS 1.2+ client context trusting only ``ca_file`` (PEM), host names checked."""
    if not ca_file.is_file():
        raise KafkaSecurityError(f"HUB_KAFKA_CA_FILE {ca_file} is not a readable file")
    context = ssl.create_default_context(cafile=str(ca_file))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _login(settings: HubSettings) -> tuple[str, str, ssl.SSLContext]:
    if not settings.kafka_username:
        raise KafkaSecurityError("HUB_KAFKA_USERNAME is not set (SASL_SSL needs a principal)")
    if not settings.kafka_password.get_secret_value():
        raise KafkaSecurityError("HUB_KAFKA_PASSWORD is not set (SASL_SSL needs a password)")
    if settings.kafka_ca_file is None:
        raise KafkaSecurityError("HUB_KAFKA_CA_FILE is not set (SASL_SSL needs the CA)")
    return (
        settings.kafka_username,
        settings.kafka_password.get_secret_value(),
        kafka_ssl_context(settings.kafka_ca_file),
    )


def kafka_client_options(settings: HubSettings) -> dict[str, Any]:
    """Keyword arguments for ``AIOKafkaProducer``, ``AIOKafkaConsumer`` and
    ``AIOKafkaAdminClient``: ``bootstrap_servers`` plus the security options.

    Raises `KafkaSecurityError` when SASL_SSL is asked for without username, password or CA."""
    options: dict[str, Any] = {"bootstrap_servers": settings.kafka_bootstrap}
    if settings.kafka_security_protocol == "PLAINTEXT":
        return options
    username, password, context = _login(settings)
    return options | {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": SASL_MECHANISM,
        "sasl_plain_username": username,
        "sasl_plain_password": password,
        "ssl_context": context,
    }


def broker_security(settings: HubSettings) -> SASLScram512 | None:
    """FastStream's security object for a service's `KafkaBroker` (None only for PLAINTEXT)."""
    if settings.kafka_security_protocol == "PLAINTEXT":
        return None
    username, password, context = _login(settings)
    return SASLScram512(username=username, password=password, ssl_context=context)
