"""A new producer for a service's broker when aiokafka's idempotent producer has lost its state.

After a broker restart the broker may answer a batch with ``OUT_OF_ORDER_SEQUENCE_NUMBER`` (its
producer state no longer matches the client's sequence numbers), or no longer know the producer
id. The Java client then bumps its epoch and resets its sequences (KIP-360); aiokafka does not
(aio-libs/aiokafka#1017): every later send of that producer fails the same way until the process
restarts. The chaos run's ``kafka-restart`` scenario found a gateway whose outbox stopped
publishing for good that way (2026-12-01).

The remedy is a new producer, hence a new producer id: what the old one had in flight may then
reach Kafka twice, which the hub's at-least-once contract already allows (every consumer's inbox
applies an event once).
"""

import asyncio
import contextlib
import logging

from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    InvalidProducerEpoch,
    InvalidProducerIdMapping,
    OutOfOrderSequenceNumber,
    ProducerFenced,
    UnknownProducerId,
)
from faststream._internal.parser import DefaultCodec
from faststream.kafka import KafkaBroker

log = logging.getLogger(__name__)

PRODUCER_STATE_LOST: tuple[type[Exception], ...] = (
    OutOfOrderSequenceNumber,
    UnknownProducerId,
    InvalidProducerEpoch,
    InvalidProducerIdMapping,
    ProducerFenced,
)
"""Errors after which the producer that raised them cannot send again (see the module)."""

_STOP_SECONDS = 10.0


async def renew_producer(broker: KafkaBroker) -> None:
    """Replace ``broker``'s aiokafka producer by a new one with the same settings (a new
    producer id, sequences from 0). The old one is stopped first, waiting at most 10 s for what
    it still had in flight; publishes through the broker use the new one from then on (one made
    meanwhile fails and is retried by its caller, as any failed publish).

    Raises aiokafka's ``KafkaError`` when the new producer cannot connect (the caller retries
    later, as for any failed publish)."""
    config = broker.config.broker_config
    with contextlib.suppress(Exception):  # it is broken already: only its sockets matter now
        await asyncio.wait_for(config.producer.disconnect(), _STOP_SECONDS)
    # FastStream keeps the producer's settings (bootstrap, security, idempotence, acks) only in
    # the broker's connection arguments, and has no public "reconnect the producer".
    await config.producer.connect(
        AIOKafkaProducer(**broker._connection_kwargs),
        serializer=config.fd_config._serializer,
        codec=config.broker_codec or DefaultCodec(),
    )
    log.warning("kafka producer renewed after it lost its idempotence state")
