"""One way to run every service: database, migrations, topics, relay, consumer, HTTP, workers."""

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import uvicorn
from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from hub_contracts.topics import dead_letter_topic
from starlette.middleware import Middleware

from hub_runtime.consumer import BatchHandler, EventHandler, RecordApplier, RetryPolicy
from hub_runtime.db import close_pool, dsn_for_database
from hub_runtime.dead_letter_seal import DeadLetterSealer
from hub_runtime.dead_letters import DeadLetterWriter
from hub_runtime.edge_limits import InFlightLimitMiddleware, add_inside_body_limit
from hub_runtime.health import ReadinessCheck
from hub_runtime.heap import settle_after_start
from hub_runtime.http_server import server_options
from hub_runtime.kafka import ensure_topics
from hub_runtime.kafka_host import HostedConsumer, new_broker, stop_clients
from hub_runtime.leadership import Leadership
from hub_runtime.metrics import DEAD_LETTER_SIZE
from hub_runtime.migrations import folder_migrations, migrated_pools, runtime_migrations
from hub_runtime.outbox import OutboxRelay
from hub_runtime.settings import HubSettings
from hub_runtime.supervision import supervise
from hub_runtime.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


@dataclass
class ServiceContext:
    """What a running service hands to its API and workers."""

    name: str
    hub: HubSettings
    pool: asyncpg.Pool
    read_pool: asyncpg.Pool
    """For read-only units of work (`MessageBus.read`): its sessions refuse writes
    (`db.create_pool`)."""
    broker: KafkaBroker
    """The service's FastStream broker: its consumers, and the producer that publishes."""
    unit_of_work_type: type[UnitOfWork] = UnitOfWork
    database: str = ""
    """The service's database name (its pool's); `database_dsn` reaches it."""
    leaders: dict[str, Leadership] = field(default_factory=dict)
    """The `Leadership` of each running single-instance worker, by worker name."""

    @property
    def database_dsn(self) -> str:
        """The DSN of the service's database under its run-time role (``HUB_PG_DSN``)."""
        return dsn_for_database(self.hub.pg_dsn, self.database)

    def unit_of_work(self) -> UnitOfWork:
        """A new unit of work of the service's type (the consumers use it too)."""
        return self.unit_of_work_type(self.pool, source=self.name)

    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        """What /ready reports for every service: its database and the Kafka cluster answer."""

        async def database() -> bool:
            return bool(await self.pool.fetchval("SELECT true"))

        async def kafka() -> bool:
            return bool(await self.broker.ping(timeout=2))

        return {"database": database, "kafka": kafka}


Worker = Callable[[ServiceContext], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    """A further consumer group of a service, beside its event consumer (``consumes``).

    ``group``: the group's name without the topic prefix (e.g. ``"referral-commands"``);
    ``topics``: logical topic names, created with their ``.dlq`` when the service starts;
    ``max_attempts``: handler attempts before a record is dead-lettered (None: the hub's
    ``consumer_max_attempts``). Records are applied exactly like the event consumer's."""

    group: str
    topics: Sequence[str]
    handlers: Mapping[str, EventHandler]
    max_attempts: int | None = None


@dataclass
class ServiceDefinition:
    """Everything that differs between services; `bootstrap.py` of each service builds one."""

    name: str
    database: str
    migrations: Path
    publishes: Sequence[str]
    consumes: Sequence[str]
    handlers: Mapping[str, EventHandler]
    batch_handler: BatchHandler | None = None
    """Optional: applies many new events at once (see `hub_runtime.consumer.BatchHandler`)."""
    build_app: Callable[[ServiceContext], FastAPI] | None = None
    workers: Sequence[Worker] = field(default_factory=tuple)
    subscriptions: Sequence[Subscription] = field(default_factory=tuple)
    """Further consumer groups (see `Subscription`)."""
    unit_of_work: type[UnitOfWork] = UnitOfWork
    """The service's unit of work: a subclass exposing its repositories (``uow.cases``, ...),
    built as ``cls(pool, source=name)`` for the API, the consumers and the workers alike (and
    ``cls(read_pool, source=name, read_only=True)`` for `MessageBus.read`)."""


class _EmbeddedServer(uvicorn.Server):
    """Uvicorn inside our own loop: the process, not uvicorn, owns SIGTERM and SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


KEEP_ALIVE_SECONDS = 15
CONNECTIONS_PER_REQUEST_SLOT = 4
"""Uvicorn's connection cap, per request the edge admits at once (idle clients hold some)."""


class ServiceRuntime:
    """Starts and stops one service in the current event loop (tests run several side by side)."""

    def __init__(
        self,
        definition: ServiceDefinition,
        hub: HubSettings,
        *,
        http_host: str = "127.0.0.1",
        http_port: int = 0,
    ) -> None:
        self.definition = definition
        self.hub = hub
        self._http_host = http_host
        self._http_port = http_port
        self._tasks: list[asyncio.Task[None]] = []
        self._server: uvicorn.Server | None = None
        self._http_task: asyncio.Task[None] | None = None
        self.context: ServiceContext | None = None
        self.consumer: RecordApplier | None = None
        """The event consumer's applier (its ``stats`` say what it applied)."""
        self.subscription_consumers: dict[str, RecordApplier] = {}
        self._hosted: list[HostedConsumer] = []
        self.relay: OutboxRelay | None = None
        self.app: FastAPI | None = None

    @property
    def base_url(self) -> str:
        """The HTTP address the service listens on (the real port when 0 was asked)."""
        if self._server is None or not self._server.servers:
            raise RuntimeError(f"{self.definition.name} has no HTTP server running")
        port = self._server.servers[0].sockets[0].getsockname()[1]
        return f"http://{self._http_host}:{port}"

    def kafka_consumer(self, group: str | None = None) -> AIOKafkaConsumer | None:
        """The aiokafka consumer of a consumer group while the service runs (its event
        consumer's by default, else the `Subscription` named ``group``); None when stopped."""
        wanted = self.hub.topic(group or self.definition.name)
        for hosted in self._hosted:
            if hosted.group_id == wanted:
                return hosted.kafka_consumer
        return None

    async def start(self) -> None:
        """Start the service: its database (created and migrated), its topics, the broker with every
        consumer group, the outbox relay, its workers and, if it has one, its HTTP edge.

        Errors of PostgreSQL or Kafka (not reachable, a failing migration) and of the HTTP server
        propagate; the service is then not running (what had started is stopped again)."""
        d = self.definition
        migrations = runtime_migrations() + folder_migrations(d.migrations)
        pool, read_pool = await migrated_pools(
            self.hub.pg_dsn, self.hub.pg_owner_dsn, d.database, migrations
        )
        try:
            await ensure_topics(
                self.hub,
                [
                    self.hub.topic(t)
                    for t in (
                        *d.publishes,
                        *d.consumes,
                        *(t for s in d.subscriptions for t in s.topics),
                    )
                ],
                self.hub.topic_partitions,
            )
            broker = new_broker(self.hub, client_id=d.name)
            self.context = ctx = ServiceContext(
                name=d.name,
                hub=self.hub,
                pool=pool,
                read_pool=read_pool,
                broker=broker,
                unit_of_work_type=d.unit_of_work,
                database=d.database,
            )
            if d.consumes:
                self.consumer = self._host(ctx, d.name, d.consumes, d.handlers, d.batch_handler)
            for sub in d.subscriptions:
                self.subscription_consumers[sub.group] = self._host(
                    ctx, sub.group, sub.topics, sub.handlers, None, sub.max_attempts
                )
            await broker.start()  # the producer, then every consumer group
            self.relay = OutboxRelay(
                pool,
                broker,
                service=d.name,
                topic_prefix=self.hub.topic_prefix,
                poll_seconds=self.hub.outbox_poll_seconds,
            )
            self._spawn("relay", self.relay.run)
            self._spawn("gauges", self._update_gauges)
            for worker in d.workers:
                self._spawn(worker.__name__, functools.partial(worker, ctx))
            if d.build_app is not None:
                await self._start_http(d.build_app(ctx))
        except BaseException:
            # Whatever started (consumers, workers, the HTTP server) stops again: a half-started
            # runtime nobody stops would keep polling Kafka and its database (once seen in the
            # tests: a test whose service failed to start left consumers running for the rest
            # of the session).
            if self.context is None:
                await close_pool(pool)
                await close_pool(read_pool)
            else:
                await self.stop()
            raise
        log.info("service started", extra={"service": d.name})

    def _host(
        self,
        ctx: ServiceContext,
        group: str,
        topics: Sequence[str],
        handlers: Mapping[str, EventHandler],
        batch_handler: BatchHandler | None,
        max_attempts: int | None = None,
    ) -> RecordApplier:
        """Register one consumer group on the broker (started with it)."""
        applier = RecordApplier(
            service=self.definition.name,
            dead_letters=DeadLetterWriter(
                ctx.broker, self.definition.name, DeadLetterSealer.of(self.hub)
            ),
            uow_factory=ctx.unit_of_work,
            handlers=handlers,
            batch_handler=batch_handler,
            retry=RetryPolicy(
                max_attempts=max_attempts or self.hub.consumer_max_attempts,
                first_backoff=self.hub.consumer_backoff_seconds,
                max_backoff=self.hub.consumer_backoff_max_seconds,
            ),
        )
        self._hosted.append(
            HostedConsumer(
                ctx.broker,
                group_id=self.hub.topic(group),
                topics=[self.hub.topic(t) for t in topics],
                applier=applier,
            )
        )
        return applier

    async def _start_http(self, app: FastAPI) -> None:
        self.app = app
        # Backpressure at the edge: beyond this many requests in flight the edge answers 503
        # (in the hub's error shape, with Retry-After) at once instead of queueing without
        # bound. A request counts once its body is in (inside the body limit, which cuts a
        # body that does not arrive in time with 408): a client sending bodies slowly must not
        # hold every slot. Uvicorn's own limit, which also counts idle kept-alive connections
        # and answers in plain text, stays as a wider last resort against connection floods.
        add_inside_body_limit(
            app, Middleware(InFlightLimitMiddleware, limit=self.hub.http_max_in_flight)
        )
        config = uvicorn.Config(
            app,
            host=self._http_host,
            port=self._http_port,
            log_config=None,
            lifespan="off",
            # The parser, its limits and its own 400 in the hub's shape (`http_server`).
            **server_options(self.hub.http_parser),
            limit_concurrency=self.hub.http_max_in_flight * CONNECTIONS_PER_REQUEST_SLOT,
            # Longer than the idle expiry of common clients (httpx: 5 s, uvicorn's default here
            # too): otherwise the server may close a kept-alive connection at the moment a
            # client sends its next request on it, and the client sees a ReadError for a POST
            # it cannot safely repeat.
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
        )
        self._server = _EmbeddedServer(config)
        self._http_task = asyncio.create_task(self._server.serve(), name="http")
        while not self._server.started:  # uvicorn exposes a flag, not an event
            if self._http_task.done():
                raise RuntimeError(f"{self.definition.name}: the HTTP server did not start")
            await asyncio.sleep(0.01)

    async def _update_gauges(self) -> None:
        """Outbox backlog and consumer lag, refreshed for /metrics every few seconds."""
        while True:
            await asyncio.sleep(self.hub.metrics_refresh_seconds)
            with contextlib.suppress(Exception):
                if self.relay is not None:
                    await self.relay.backlog()
                for hosted in self._hosted:
                    await hosted.record_lag(self.definition.name)
                if self._hosted:
                    await self._record_dead_letter_sizes()

    async def _record_dead_letter_sizes(self) -> None:
        """Records ever dead-lettered per consumed topic (the broker keeps them all)."""
        consumer = self._hosted[0].kafka_consumer
        if consumer is None:
            return
        for logical in self.definition.consumes:
            dlq = dead_letter_topic(self.hub.topic(logical))
            partitions = consumer.partitions_for_topic(dlq) or set()
            ends = await consumer.end_offsets([TopicPartition(dlq, p) for p in partitions])
            DEAD_LETTER_SIZE.labels(self.definition.name, dlq).set(sum(ends.values()))

    def _spawn(self, name: str, run: Callable[[], Awaitable[Any]]) -> None:
        self._tasks.append(asyncio.create_task(supervise(self.definition.name, run), name=name))

    async def stop(self) -> None:
        """Graceful: stop taking requests, finish or roll back in-flight work, leave the group.

        Bounded: the HTTP drain and the background tasks' end take at most 10 s each, the
        groups' leave and the producer's flush ``kafka_stop_grace_seconds`` each, the two
        pools' close 10 s (at once). The "service stopped" line gives each step's time in ms."""
        took: dict[str, float] = {}
        step = time.monotonic()
        if self._server is not None and self._http_task is not None:
            # Uvicorn finishes the requests in flight before it returns.
            self._server.should_exit = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._http_task, timeout=10)
        took["http_ms"], step = time.monotonic() - step, time.monotonic()
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            done, _ = await asyncio.wait(self._tasks, timeout=10)
            for task in done:  # retrieved, so that asyncio does not log them as lost
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    task.result()
        self._tasks.clear()
        took["tasks_ms"], step = time.monotonic() - step, time.monotonic()
        if self.context is not None:
            await stop_clients(self.context.broker, self._hosted, self.hub.kafka_stop_grace_seconds)
            took["kafka_ms"], step = time.monotonic() - step, time.monotonic()
            await asyncio.gather(close_pool(self.context.pool), close_pool(self.context.read_pool))
            took["pools_ms"] = time.monotonic() - step
        log.info(
            "service stopped",
            extra={
                "service": self.definition.name,
                **{k: round(v * 1000) for k, v in took.items()},
            },
        )


async def run_until_signalled(runtime: ServiceRuntime) -> None:
    """Process entry: start, wait for SIGTERM/SIGINT, stop gracefully."""
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await runtime.start()
    settle_after_start()
    await stop.wait()
    await runtime.stop()
