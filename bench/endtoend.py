"""Section 1 and 3: referrals end to end through the four services as OS processes.

A referral is timed from the moment the counsellor's request is sent (open loop: the moment it
was scheduled, so a slow hub cannot hide its queue) until the partner's acceptance is on the
case's timeline in casefile's database. The probe reads that table directly (what
GET /cases/{id} shows) instead of polling the API, so watching adds no decryption load.
"""

import asyncio
import contextlib
import itertools
import math
import os
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import httpx
from hub_demo.chaos_stream import approved_or_later
from hub_demo.client import HubClient
from hub_demo.inprocess import connect_simulated_partner
from hub_demo.processes import HubProcesses
from hub_runtime.db import create_pool, dsn_for_database
from hub_runtime.settings import HubSettings
from partner_gateway.simulator.app import PartnerSimulator

from bench.common import LOG_DIR, percentile, rss_of
from bench.kafka_requests import KafkaRequestCounter, per_referral

PERSON = {
    "name": "Bench Testpersoon",
    "date_of_birth": "1990-01-01",
    "phone": "+31 6 0000 0000",
    "languages": ["ar"],
}
# The gateway limits each partner's API calls (10/s by default); the simulated partners make
# two calls per referral, so the benchmark lifts the limit to measure the hub, not the limiter.
GATEWAY_ENV = {
    "PARTNER_GATEWAY_RATE_LIMIT_PER_SECOND": "10000",
    "PARTNER_GATEWAY_RATE_LIMIT_BURST": "10000",
}
PREPARE_CONCURRENCY = 24
# Requests in flight at once from the driver. Open loop beyond the hub's capacity would
# otherwise queue thousands of requests inside httpx's connection pool, whose bookkeeping
# grows with the queue and eats the driver's CPU (the hub then sees fewer requests than
# offered). Waiting here is cheap, and still counts: latency runs from the scheduled time.
MAX_IN_FLIGHT = 96

_ACCEPTANCES = """
SELECT id, kind, details->>'referral_id' AS referral_id
FROM timeline
WHERE id > $1
  AND ((kind = 'partner_status_reported' AND details->>'status' = 'accepted')
       OR (kind = 'referral_status_changed' AND details->>'to_status' = 'accepted'))
ORDER BY id
"""


class TimelineProbe:
    """Watches casefile's timeline for acceptances; resolves one future per referral."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._last_id = 0
        self._waiters: dict[str, asyncio.Future[float]] = {}
        self.accepted: dict[str, float] = {}  # first acceptance entry (partner's report)
        self.status_changed: dict[str, float] = {}  # referral's ReferralStatusChanged entry
        self.queries = 0

    async def run(self, interval: float = 0.02) -> None:
        while True:
            await self.poll()
            await asyncio.sleep(interval)

    async def poll(self) -> None:
        rows = await self._pool.fetch(_ACCEPTANCES, self._last_id)
        self.queries += 1
        now = time.perf_counter()
        for row in rows:
            self._last_id = max(self._last_id, row["id"])
            referral_id = str(row["referral_id"])
            if row["kind"] == "referral_status_changed":
                self.status_changed.setdefault(referral_id, now)
            if referral_id not in self.accepted:
                self.accepted[referral_id] = now
                waiter = self._waiters.pop(referral_id, None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(now)

    def acceptance(self, referral_id: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        if referral_id in self.accepted:
            future.set_result(self.accepted[referral_id])
        else:
            self._waiters[referral_id] = future
        return future


def _stat_fields(pid: int | str) -> list[str]:
    """`/proc/<pid>/stat` after the command name (field 3, the state, first); raises
    `OSError` when the process is gone."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, in seconds (0 when it is gone)."""
    try:
        fields = _stat_fields(pid)
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


STACK_RUN = Path(__file__).resolve().parents[1] / ".hub" / "run"
"""`infra/stack.sh`'s pid files (``kafka.pid``, ``postgres.pid``: the broker, the postmaster)."""


def infrastructure_pids(run_dir: Path = STACK_RUN) -> dict[str, int]:
    """The development stack's broker and PostgreSQL server, when they run on this machine
    (name -> pid); an absent or stale pid file leaves its entry out."""
    found: dict[str, int] = {}
    for name, pid_file in (("Kafka", "kafka.pid"), ("PostgreSQL", "postgres.pid")):
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((run_dir / pid_file).read_text().split()[0])
            if Path(f"/proc/{pid}").exists():
                found[name] = pid
    return found


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a server and its worker processes, in seconds: its own,
    its ended children's (``cutime``, ``cstime``) and its living children's (PostgreSQL's
    backends). A backend that ends within a window moves from the last part to the second, so
    a difference of two readings counts it once."""
    tick = os.sysconf("SC_CLK_TCK")
    try:
        fields = _stat_fields(pid)
    except FileNotFoundError:
        return 0.0
    total = sum(int(v) for v in fields[11:15])
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            child = _stat_fields(entry.name)
            if int(child[1]) == pid:
                total += int(child[11]) + int(child[12])
    return total / tick


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


@dataclass
class CpuWindow:
    """CPU use of each service process, of the driver, and of the whole machine, in a phase."""

    pids: dict[str, int]
    servers: dict[str, int] = field(default_factory=infrastructure_pids)
    """Kafka and PostgreSQL, each counted with its worker processes (`tree_cpu_seconds`)."""
    started: float = field(default_factory=time.perf_counter)
    before: dict[str, float] = field(default_factory=dict)
    machine_before: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self) -> None:
        self.before = self._readings()
        self.machine_before = _machine_busy()

    def _readings(self) -> dict[str, float]:
        return {
            **{name: cpu_seconds(pid) for name, pid in self.pids.items()},
            **{name: tree_cpu_seconds(pid) for name, pid in self.servers.items()},
        }

    def percent(self) -> dict[str, float]:
        """% of one CPU per process (and per server with its workers) in the window, then
        the whole machine's % of all CPUs (always last)."""
        elapsed = time.perf_counter() - self.started
        now = self._readings()
        used = {name: 100 * (now[name] - self.before[name]) / elapsed for name in now}
        busy, total = _machine_busy()
        used["machine (of all CPUs)"] = (
            100 * (busy - self.machine_before[0]) / max(1.0, total - self.machine_before[1])
        )
        return used


@dataclass
class Phase:
    name: str
    offered: str
    sent: int
    completed: int
    failed: int
    elapsed: float
    latencies_ms: list[float]  # math.inf for a referral not accepted within the window
    status_latencies_ms: list[float]
    cpu_percent: dict[str, float]
    started: dict[str, float]  # referral id -> request time (perf_counter)
    breakdown: list[tuple[str, float, float]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.completed / self.elapsed if self.elapsed > 0 else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q)


@dataclass
class EndToEndResult:
    partners: int
    prepared_per_s: float
    phases: list[Phase]
    rss_at_rest: dict[str, int]
    rss_peak: dict[str, int]
    rss_after: dict[str, int]
    commits_per_referral: float
    log_dir: Path
    commits_by_database: dict[str, float] = field(default_factory=dict)
    """Commits per accepted referral in the closed loop, by service database key."""
    background_by_database: dict[str, float] = field(default_factory=dict)
    """Of those, what the idle hub commits in the same time (polls, gauges), by database key."""
    kafka_requests_by_type: dict[str, float] = field(default_factory=dict)
    """The broker's requests per accepted referral in the closed loop, by request type (Kafka's
    ``RequestMetrics``, `bench.kafka_requests`); empty when they could not be read."""
    idle_cpu_percent: dict[str, float] = field(default_factory=dict)
    """CPU of each process (and of Kafka and PostgreSQL) while the hub was up with no referral
    in flight, for 5 s before the closed loop (as `Phase.cpu_percent`)."""


class MemorySampler:
    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.peak = dict.fromkeys(pids, 0)

    def sample(self) -> dict[str, int]:
        now = {name: rss_of(pid) for name, pid in self.pids.items()}
        for name, value in now.items():
            self.peak[name] = max(self.peak[name], value)
        return now

    async def run(self, interval: float = 0.25) -> None:
        while True:
            self.sample()
            await asyncio.sleep(interval)


Case = tuple[UUID, UUID]  # (case id, partner id)


_PERSON_NUMBERS = itertools.count(1)
"""Numbers the bench's persons, so that no two cases of one run are the same person."""


async def prepare_cases(client: HubClient, partners: list[UUID], count: int) -> list[Case]:
    """Cases with a decision and a consent for one partner each, through the public APIs."""
    cycle = itertools.cycle(partners)
    wanted = [next(cycle) for _ in range(count)]
    prepared: list[Case] = []

    async def worker() -> None:
        while wanted:
            partner = wanted.pop()
            # Each case another person, across every phase of the run: casefile refuses a
            # second open case for one person (409 person_already_known, its blind index).
            person = {**PERSON, "name": f"{PERSON['name']} {next(_PERSON_NUMBERS)}"}
            case_id = await client.open_case(person, household=[])
            await client.record_decision(case_id)
            await client.grant_consent(case_id, partner)
            prepared.append((case_id, partner))

    await asyncio.gather(*(worker() for _ in range(PREPARE_CONCURRENCY)))
    return prepared


async def wait_for_referral_view(pool: asyncpg.Pool, cases: list[Case]) -> None:
    """Referral's view must know each decision, or the policy would refuse the request."""
    ids = [case_id for case_id, _ in cases]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        known = await pool.fetchval(
            "SELECT count(*) FROM case_view WHERE case_id = ANY($1::uuid[])"
            " AND decision IS NOT NULL",
            ids,
        )
        if known == len(ids):
            return
        await asyncio.sleep(0.2)
    raise TimeoutError("referral's case view did not catch up within 120 s")


FAILURES: Counter[str] = Counter()  # why a referral request did not give an approved referral


async def _request(client: HubClient, case: Case) -> str | None:
    """The counsellor's referral request; its id when approved, None otherwise."""
    try:
        answer = await client.request_referral(*case)
    except Exception as exc:
        FAILURES[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
        return None
    if not approved_or_later(str(answer.get("status"))):  # it may be delivered by now
        FAILURES[f"status {answer.get('status')}"] += 1
        return None
    return str(answer["referral_id"])


def _status_latencies(
    probe: TimelineProbe, started: dict[str, float], accepted: set[str]
) -> list[float]:
    return [
        1000 * (probe.status_changed[rid] - started[rid])
        for rid in accepted
        if rid in probe.status_changed
    ]


async def closed_loop(
    name: str,
    client: HubClient,
    probe: TimelineProbe,
    cases: list[Case],
    clients: int,
    pids: dict[str, int],
    patience: float = 60,
) -> Phase:
    """`clients` counsellors, each sending the next referral once the last one is accepted."""
    queue = list(cases)
    started: dict[str, float] = {}
    latencies: list[float] = []
    accepted: set[str] = set()
    failed = 0
    last_done = 0.0

    async def counsellor() -> None:
        nonlocal failed, last_done
        while queue:
            case = queue.pop()
            t0 = time.perf_counter()
            referral_id = await _request(client, case)
            if referral_id is None:
                failed += 1
                continue
            started[referral_id] = t0
            try:
                seen = await asyncio.wait_for(probe.acceptance(referral_id), patience)
            except TimeoutError:
                latencies.append(math.inf)
                continue
            latencies.append(1000 * (seen - t0))
            accepted.add(referral_id)
            last_done = max(last_done, seen)

    cpu = CpuWindow(pids)
    begin = time.perf_counter()
    await asyncio.gather(*(counsellor() for _ in range(clients)))
    cpu_percent = cpu.percent()
    await _settle(probe, accepted)
    return Phase(
        name,
        f"{clients} clients, closed loop",
        len(cases),
        len(accepted),
        failed,
        last_done - begin,
        latencies,
        _status_latencies(probe, started, accepted),
        cpu_percent,
        started,
    )


async def open_loop(
    name: str,
    client: HubClient,
    probe: TimelineProbe,
    cases: list[Case],
    rate: float,
    drain: float,
    pids: dict[str, int],
) -> Phase:
    """Referrals sent at a fixed rate whatever the hub does; each timed from its schedule."""
    begin = time.perf_counter() + 0.2
    window_end = begin + len(cases) / rate + drain
    started: dict[str, float] = {}
    latencies: list[float] = []
    accepted: set[str] = set()
    failed = 0
    last_done = 0.0

    in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)

    async def one(i: int, case: Case) -> None:
        nonlocal failed, last_done
        scheduled = begin + i / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        async with in_flight:
            referral_id = await _request(client, case)
        if referral_id is None:
            failed += 1
            return
        started[referral_id] = scheduled
        try:
            seen = await asyncio.wait_for(
                probe.acceptance(referral_id), max(0.1, window_end - time.perf_counter())
            )
        except TimeoutError:
            latencies.append(math.inf)
            return
        latencies.append(1000 * (seen - scheduled))
        accepted.add(referral_id)
        last_done = max(last_done, seen)

    cpu = CpuWindow(pids)
    await asyncio.gather(*(one(i, case) for i, case in enumerate(cases)))
    cpu_percent = cpu.percent()
    await _settle(probe, accepted)
    return Phase(
        name,
        f"{rate:g}/s open loop for {len(cases) / rate:.0f} s",
        len(cases),
        len(accepted),
        failed,
        last_done - begin,
        latencies,
        _status_latencies(probe, started, accepted),
        cpu_percent,
        started,
    )


async def _settle(probe: TimelineProbe, accepted: set[str], within: float = 10) -> None:
    """Give referral's own status change a moment to reach the timeline too."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and not accepted <= probe.status_changed.keys():  # noqa: ASYNC110
        await asyncio.sleep(0.1)


# perf_counter -> wall clock, for comparing with the timestamps the services store
WALL_OFFSET = time.time() - time.perf_counter()

STAGES = [
    "ReferralApproved emitted (referral's API)",
    "gateway applied it (Kafka hop 1)",
    "webhook delivered to the partner",
    "partner fetched the data (disclosure)",
    "gateway received the acceptance",
    "acceptance on the case's timeline (hop 2)",
]

_CASEFILE_STAMPS = """
SELECT details->>'referral_id' AS rid, kind, extract(epoch FROM occurred_at)::float8 AS at
FROM timeline
WHERE kind IN ('referral_approved', 'partner_status_reported')
  AND details->>'referral_id' = ANY($1::text[])
"""
_GATEWAY_STAMPS = """
SELECT r.referral_id::text AS rid,
       extract(epoch FROM r.approved_at)::float8 AS applied,
       extract(epoch FROM d.finished_at)::float8 AS delivered,
       (SELECT extract(epoch FROM min(x.disclosed_at))::float8 FROM disclosures x
         WHERE x.referral_id = r.referral_id) AS disclosed
FROM referrals r
JOIN notifications n ON n.referral_id = r.referral_id
JOIN deliveries d ON d.notification_id = n.notification_id
WHERE r.referral_id::text = ANY($1::text[])
"""


async def stage_breakdown(
    casefile_pool: asyncpg.Pool,
    gateway_pool: asyncpg.Pool,
    phase: Phase,
    probe: TimelineProbe,
) -> list[tuple[str, float, float]]:
    """Median and p95 time from the request to each step, from the services' own timestamps
    (transaction start times and event times: the same clock, this machine)."""
    ids = [rid for rid in phase.started if rid in probe.accepted]
    stamps: dict[str, dict[str, float]] = {rid: {} for rid in ids}
    for row in await casefile_pool.fetch(_CASEFILE_STAMPS, ids):
        stamps[row["rid"]][row["kind"]] = row["at"]
    for row in await gateway_pool.fetch(_GATEWAY_STAMPS, ids):
        stamps[row["rid"]].update(
            applied=row["applied"], delivered=row["delivered"], disclosed=row["disclosed"]
        )
    keys = ["referral_approved", "applied", "delivered", "disclosed", "partner_status_reported"]
    offsets: list[list[float]] = [[] for _ in STAGES]
    for rid in ids:
        sent = phase.started[rid] + WALL_OFFSET
        moments = [stamps[rid].get(k) for k in keys] + [probe.accepted[rid] + WALL_OFFSET]
        for i, moment in enumerate(moments):
            if moment is not None:
                offsets[i].append(1000 * (moment - sent))
    return [
        (stage, percentile(values, 50), percentile(values, 95))
        for stage, values in zip(STAGES, offsets, strict=True)
    ]


async def _commits(pg_dsn: str, databases: list[str]) -> dict[str, int]:
    """Commits so far in each of `databases` (database name -> count)."""
    conn = await asyncpg.connect(dsn_for_database(pg_dsn, "postgres"))
    try:
        await asyncio.sleep(1.5)  # backends report their counters about once a second
        rows = await conn.fetch(
            "SELECT datname, xact_commit FROM pg_stat_database WHERE datname = ANY($1)",
            databases,
        )
        return {row["datname"]: int(row["xact_commit"]) for row in rows}
    finally:
        await conn.close()


async def _idle_commits_per_s(
    pg_dsn: str, databases: dict[str, str], probe: TimelineProbe, seconds: float = 5.0
) -> dict[str, float]:
    """Commits/s of each database with no referral in flight (database key -> rate): the
    time-driven transactions (relay polls, workers, gauges), which a slow run spreads over
    fewer referrals."""
    names = list(databases.values())
    before, queries = await _commits(pg_dsn, names), probe.queries
    started = time.perf_counter()
    await asyncio.sleep(seconds)
    after = await _commits(pg_dsn, names)
    elapsed = time.perf_counter() - started
    rates = {k: (after.get(n, 0) - before.get(n, 0)) / elapsed for k, n in databases.items()}
    rates["casefile"] -= (probe.queries - queries) / elapsed  # the probe's reads
    return rates


@dataclass
class Plan:
    closed_referrals: int
    closed_clients: int
    open_rate: float
    open_seconds: float
    drain_seconds: float
    partners: int
    sustainable_share: float = 0.8


async def _background(*runs: Callable[[], Coroutine[Any, Any, Any]]) -> list[asyncio.Task[Any]]:
    return [asyncio.create_task(run()) for run in runs]


async def run(
    hub: HubSettings,
    databases: dict[str, str],
    identities: dict[str, dict[str, str]],
    plan: Plan,
    say: Callable[[str], None],
) -> EndToEndResult:
    """The end-to-end phases on the four services as processes, each started under its own
    identity (``identities``: `hub_demo.identities.production_identities`)."""
    log_dir = LOG_DIR / "e2e"
    processes = HubProcesses(hub, databases, log_dir, extra_env=GATEWAY_ENV, service_env=identities)
    simulators: list[PartnerSimulator] = []
    client: HubClient | None = None
    tasks: list[asyncio.Task[Any]] = []
    # The probe's pools release connections without asyncpg's reset query: that query is a
    # transaction of its own, so each probe read counted as two commits in casefile's database
    # while only one was subtracted (about 50 commits/s billed to the hub, issue 16).
    infrastructure = infrastructure_pids()
    kafka_counter = KafkaRequestCounter(0)  # answers None until started on the stack's broker
    casefile_pool, referral_pool, gateway_pool = [
        await create_pool(hub.pg_dsn, databases[key], max_size=2)
        for key in ("casefile", "referral", "partner_gateway")
    ]
    try:
        say("starting the four services as processes")
        await processes.start_all()
        pids = {name: service.pid for name, service in processes.services.items()}
        if "Kafka" in infrastructure:
            kafka_counter = KafkaRequestCounter(infrastructure["Kafka"])
            await kafka_counter.start()  # now: the JVM's start-up is not billed to a phase
        await asyncio.sleep(3)  # let start-up work (first polls, group joins) settle
        memory = MemorySampler(pids)
        at_rest = memory.sample()
        memory.peak = dict.fromkeys(pids, 0)
        limits = httpx.Limits(
            max_connections=MAX_IN_FLIGHT + PREPARE_CONCURRENCY,
            max_keepalive_connections=MAX_IN_FLIGHT + PREPARE_CONCURRENCY,
        )
        client = HubClient(
            processes.urls(),
            hub.jwt_secret.get_secret_value(),
            httpx.AsyncClient(timeout=30, limits=limits),
        )
        probe = TimelineProbe(casefile_pool)
        tasks = await _background(memory.run, probe.run)
        partners = [
            await client.register_partner(f"Bench partner {i}") for i in range(plan.partners)
        ]
        for partner in partners:
            simulators.append(await connect_simulated_partner(client, partner))
        driver_pids = {**pids, "driver (load + simulators)": os.getpid()}

        async def prepared(count: int) -> tuple[list[Case], float]:
            assert client is not None
            t0 = time.perf_counter()
            cases = await prepare_cases(client, partners, count)
            await wait_for_referral_view(referral_pool, cases)
            return cases, count / (time.perf_counter() - t0)

        say(f"preparing {plan.closed_referrals} cases (case, decision, consent)")
        cases, prepared_per_s = await prepared(plan.closed_referrals)
        db_names = list(databases.values())
        idle_cpu = CpuWindow(driver_pids)
        idle = await _idle_commits_per_s(hub.pg_dsn, databases, probe)
        idle_cpu_percent = idle_cpu.percent()
        commits_before, queries_before = await _commits(hub.pg_dsn, db_names), probe.queries
        requests_before = await kafka_counter.snapshot()
        say(f"closed loop: {plan.closed_referrals} referrals, {plan.closed_clients} clients")
        phases = [
            await closed_loop(
                "max throughput", client, probe, cases, plan.closed_clients, driver_pids
            )
        ]
        commits_after = await _commits(hub.pg_dsn, db_names)
        kafka_requests = per_referral(
            requests_before, await kafka_counter.snapshot(), phases[0].completed
        )
        by_database = {
            key: (commits_after.get(name, 0) - commits_before.get(name, 0))
            / max(1, phases[0].completed)
            for key, name in databases.items()
        }
        # the probe's own reads (on casefile's database) are not the hub's
        by_database["casefile"] -= (probe.queries - queries_before) / max(1, phases[0].completed)
        commits_per_referral = sum(by_database.values())
        background = {
            key: idle[key] * phases[0].elapsed / max(1, phases[0].completed) for key in databases
        }

        # The target rate last: beyond capacity it leaves a backlog that would skew what follows.
        rates = [plan.open_rate]
        sustainable = math.floor(plan.sustainable_share * phases[0].rate)
        if 0 < sustainable < plan.open_rate:
            rates.insert(0, float(sustainable))
        for rate in rates:
            count = int(rate * plan.open_seconds)
            say(f"preparing {count} cases")
            cases, _ = await prepared(count)
            say(f"open loop: {rate:g} referrals/s for {plan.open_seconds:g} s")
            label = "target load" if rate == plan.open_rate else "sustainable load"
            phases.append(
                await open_loop(label, client, probe, cases, rate, plan.drain_seconds, driver_pids)
            )
        for phase in phases:
            phase.breakdown = await stage_breakdown(casefile_pool, gateway_pool, phase, probe)
        await asyncio.sleep(3)
        after = memory.sample()
        return EndToEndResult(
            plan.partners,
            prepared_per_s,
            phases,
            at_rest,
            dict(memory.peak),
            after,
            commits_per_referral,
            log_dir,
            by_database,
            background,
            kafka_requests_by_type=kafka_requests,
            idle_cpu_percent=idle_cpu_percent,
        )
    finally:
        for task in tasks:
            task.cancel()
        for simulator in simulators:
            await simulator.stop()
        if client is not None:
            await client.aclose()
        await kafka_counter.close()
        await casefile_pool.close()
        await referral_pool.close()
        await gateway_pool.close()
        with contextlib.suppress(Exception):
            await processes.stop_all()
