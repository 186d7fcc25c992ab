"""`make bench`: the hub's figures on the real stack, each next to a raw baseline of the same run.

    uv run python bench/run.py [--referrals N] [--rate R] [--seconds S] [--events E]
    uv run python bench/run.py --consumers signals --events 40000   # section 2 only

Needs the stack up (`infra/stack.sh up`); starts and stops everything else itself, on topics
and databases of its own, and removes them afterwards. Prints one report (progress goes to
stderr) and writes its Markdown version to bench/latest.md.
"""

import argparse
import asyncio
import logging
import math
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub_demo.identities import production_identities
from hub_runtime.kafka import delete_topics_with_prefix
from hub_runtime.settings import HubSettings

from bench import baselines, consumers, endtoend, machine
from bench.common import bench_settings, mb, percentile, run_prefix, scratch_databases
from bench.report import Section, markdown, num, ratio, text
from bench.summary import server_cpu_ms, service_cpu_ms, summary_line

SERVICES = ("casefile", "referral", "partner-gateway", "signals")
TARGET_RATE = 100.0
TARGET_P99_MS = 500.0
TARGET_CONSUMER_SHARE = 0.5
TARGET_RSS_MB = 200.0
# Transactions on the path from the request to the acceptance on the timeline: referral's
# request, its relay, the gateway's consumer, delivery lease, disclosure (casefile and
# gateway), the partner's status report, its relay, casefile's consumer.
CRITICAL_COMMITS = 9
CRITICAL_KAFKA_HOPS = 2
# `--quick` (make bench-quick, under 4 minutes): the same sections at reduced size.
QUICK = {
    "referrals": 150,
    "clients": 32,
    "seconds": 3.0,
    "drain": 15.0,
    "events": 4000,
    "raw_runs": 2,
}


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _rest(cpu: dict[str, float]) -> float:
    """% of one CPU used by processes other than the services, the driver, Kafka and
    PostgreSQL."""
    *ours, machine_share = cpu.values()
    return (os.cpu_count() or 1) * machine_share - sum(ours)


_SETTING_PREFIXES = ("CASEFILE_", "REFERRAL_", "PARTNER_GATEWAY_", "SIGNALS_", "HUB_")
_SECRET_WORDS = ("SECRET", "KEY", "DSN", "PASSWORD", "TOKEN", "CREDENTIAL", "_FILE")


def _overrides(environ: Mapping[str, str] | None = None) -> str:
    """Service settings taken from this shell's environment (``os.environ`` by default): a
    name that could hold a secret (a password, key, token, DSN, or a ``*_FILE`` path to one) by
    name only, never its value: the line goes into `bench/latest.md`, which is committed."""
    environ = os.environ if environ is None else environ
    return ", ".join(
        name if any(w in name for w in _SECRET_WORDS) else f"{name}={value}"
        for name, value in sorted(environ.items())
        if name.startswith(_SETTING_PREFIXES)
    )


def _p99_text(p99: float) -> str:
    if math.isinf(p99):
        return " more than 1% of the referrals were not accepted within the window."
    if p99 >= TARGET_P99_MS:
        return f" p99 {p99:,.0f} ms = {p99 / TARGET_P99_MS:.1f}x the target."
    return f" p99 {p99:,.0f} ms."


def endtoend_section(
    result: endtoend.EndToEndResult, raw: baselines.RawBaselines, rate: float
) -> list[Section]:
    floor_p50 = CRITICAL_KAFKA_HOPS * raw.kafka_hop.p50_ms + CRITICAL_COMMITS * raw.pg_commit.p50_ms
    floor_p99 = CRITICAL_KAFKA_HOPS * raw.kafka_hop.p99_ms + CRITICAL_COMMITS * raw.pg_commit.p99_ms
    bound = raw.pg_commits_per_s / max(result.commits_per_referral, 1e-9)
    rows = []
    for phase in result.phases:
        rows.append(
            [
                phase.name,
                phase.offered,
                str(phase.sent),
                str(phase.completed),
                str(phase.sent - phase.completed - phase.failed),
                str(phase.failed),
                num(phase.rate, 1),
                num(phase.p(50)),
                num(phase.p(95)),
                num(phase.p(99)),
                num(percentile(phase.status_latencies_ms, 99)),
                ratio(phase.p(50), floor_p50),
                ratio(phase.rate, bound),
            ]
        )
    headers = [
        "phase", "offered load", "sent", "accepted", "late", "failed", "referrals/s",
        "p50 ms", "p95 ms", "p99 ms", "p99 ms (referral status)", "p50 / floor",
        "rate / db bound",
    ]  # fmt: skip
    best = max(p.rate for p in result.phases)
    target = next(p for p in result.phases if p.name == "target load")
    notes = [
        "Latency: from the referral request (open loop: its scheduled time) to the partner's"
        " acceptance on the case's timeline; 'referral status' = referral's own"
        " ReferralStatusChanged(accepted) entry on the timeline. Late = approved but not"
        " accepted within the window (sending time + drain); failed = request not approved.",
        f"Floor (raw, this run): {CRITICAL_KAFKA_HOPS} Kafka hops x"
        f" {raw.kafka_hop.p50_ms:.1f} ms + {CRITICAL_COMMITS} commits x"
        f" {raw.pg_commit.p50_ms:.1f} ms = {floor_p50:.0f} ms at p50 ({floor_p99:.0f} ms at"
        f" p99); the hub also makes 5 HTTP calls and waits on pollers on that path.",
        f"Database bound: raw asyncpg {raw.pg_commits_per_s:,.0f} commits/s (16 connections)"
        f" / {result.commits_per_referral:.1f} commits per referral measured in the closed loop"
        f" = {bound:,.0f} referrals/s. Commits per referral by database: "
        + ", ".join(
            f"{k} {v:.1f} ({result.background_by_database.get(k, 0):.1f} of them background)"
            for k, v in result.commits_by_database.items()
        )
        + "; background = what the idle hub commits in as much time (relay and worker polls,"
        " gauges), measured for 5 s before the phase.",
        "Kafka requests per referral in the closed loop (the broker's RequestMetrics over JMX,"
        " bench/kafka_requests.py): "
        + (
            ", ".join(f"{k} {v:.2f}" for k, v in result.kafka_requests_by_type.items())
            if result.kafka_requests_by_type
            else "not measured (the reader could not attach to the broker)"
        )
        + ".",
        f"Target {TARGET_RATE:g} referrals/s sustained: {_verdict(best >= TARGET_RATE)}; best"
        f" {best:.1f}/s = {100 * best / TARGET_RATE:.0f}% of target"
        + ("" if best >= TARGET_RATE else f" (short by {TARGET_RATE - best:.1f}/s)."),
        f"Target p99 < {TARGET_P99_MS:g} ms at {rate:g}/s:"
        f" {_verdict(target.p(99) < TARGET_P99_MS)};" + _p99_text(target.p(99)),
        f"Cases were prepared through the APIs (case, decision, consent) before each phase at"
        f" {result.prepared_per_s:.0f} cases/s; {result.partners} simulated partners in the"
        f" driver process; service logs in {result.log_dir}.",
    ]
    if endtoend.FAILURES:
        notes.append(
            "Failed requests: "
            + "; ".join(f"{n} x {why}" for why, n in endtoend.FAILURES.most_common(5))
        )
    cpu_names = list(result.phases[0].cpu_percent)
    cpu_rows = [
        [
            p.name,
            *(f"{p.cpu_percent[n]:.0f}" for n in cpu_names),
            f"{_rest(p.cpu_percent):.0f}",
            num(service_cpu_ms(p)),
            num(server_cpu_ms(p)),
            num(server_cpu_ms(p, result.idle_cpu_percent)),
        ]
        for p in result.phases
    ]
    if result.idle_cpu_percent:
        idle = result.idle_cpu_percent
        cpu_rows.insert(
            0,
            [
                "idle hub (5 s, no referral)",
                *(f"{idle.get(n, math.nan):.0f}" for n in cpu_names),
                f"{_rest(idle):.0f}",
                "",
                "",
                "",
            ],
        )
    cpu = Section(
        "1b. CPU during each phase (% of one CPU; machine: % of all CPUs)",
        [
            "phase",
            *cpu_names,
            "rest: others",
            "service CPU ms/referral",
            "Kafka + PostgreSQL CPU ms/referral",
            "of it beyond the idle hub's",
        ],
        cpu_rows,
        [
            "Kafka and PostgreSQL: the stack's broker and postmaster with its backends"
            " (`infra/stack.sh`'s pid files), counted apart since 2026-12-01. 'Beyond the idle"
            " hub's' subtracts what they use with the hub up and no referral in flight (the"
            " consumers' polls, the relays', gauges): at 100 referrals/s, idle % + that figure"
            " x 10 is the % of one CPU they would need."
        ],
    )
    stage_rows = [
        [stage, *(f"{num(p.breakdown[i][1])} / {num(p.breakdown[i][2])}" for p in result.phases)]
        for i, stage in enumerate(endtoend.STAGES)
    ]
    stages = Section(
        "1c. Where the time goes: ms from the request to each step, p50 / p95",
        ["step", *(p.name for p in result.phases)],
        stage_rows,
        [
            "From the services' own timestamps (event times, transaction start times), so a"
            " step's figure can precede the commit that makes it visible."
        ],
    )
    return [
        Section("1. End to end: request -> partner's acceptance on the case", headers, rows, notes),
        cpu,
        stages,
    ]


def consumer_section(results: list[consumers.ConsumerResult]) -> Section:
    rows = [
        [
            r.service,
            str(r.events),
            ", ".join(r.event_types),
            num(r.hub_rate),
            num(r.raw_kafka_rate),
            ratio(r.hub_rate, r.raw_kafka_rate),
            num(r.validated_kafka_rate),
            ratio(r.validated_kafka_rate, r.raw_kafka_rate),
            num(r.raw_pg_rate),
            ratio(r.hub_rate, r.raw_pg_rate),
            num(r.raw_pipeline_rate),
            ratio(r.raw_pipeline_rate, r.raw_kafka_rate),
            ratio(r.hub_rate, r.raw_pipeline_rate),
            str(r.dead_lettered),
            _verdict(r.hub_rate >= TARGET_CONSUMER_SHARE * r.raw_pipeline_rate),
        ]
        for r in results
    ]
    headers = [
        "consumer", "events", "types", "events/s", "raw aiokafka/s", "hub / raw aiokafka",
        "aiokafka + validation/s", "ceiling", "raw asyncpg/s", "hub / raw asyncpg",
        "raw kafka+pg/s", "its share", "hub / kafka+pg", "dead-lettered",
        "target: hub / kafka+pg >= 0.5",
    ]  # fmt: skip
    notes = [
        "raw aiokafka: fetch + json.loads, partitions assigned; raw asyncpg: inbox row + effect"
        " row per event, one set-based statement per table, 500 events per transaction; raw"
        " kafka+pg: both, one transaction per fetched batch; each raw loop ran several times (see"
        " RUN), its best rate counts. Each service ran alone, in-process, with its production"
        " settings.",
        "aiokafka + validation: the raw loop, validating each record against the contracts"
        " (envelope + payload, as every hub consumer must) instead of json.loads, and writing"
        " nothing; ceiling = its rate / raw aiokafka: no consumer that validates its input"
        " can reach a higher ratio against the raw loop, before touching a database.",
        "its share = raw kafka+pg / raw aiokafka: what a hand-written consumer that stores one"
        " inbox row and one effect row per event reaches against the raw loop, validating"
        " nothing; a hub consumer stores at least that (signals: about 4.5 rows per event).",
        "The target (issue 16): each consumer at least 0.5 of the kafka + pg pipeline over the"
        " same events in the same run ('hub / kafka+pg'); 'hub / raw aiokafka' is kept as"
        " information (the target of issue 7, out of reach for a consumer that stores).",
    ]
    return Section("2. Events/s per consumer (same events, same run)", headers, rows, notes)


def memory_section(result: endtoend.EndToEndResult, floor: int) -> Section:
    rows = [
        [
            name,
            num(mb(result.rss_at_rest[name])),
            num(mb(result.rss_peak[name])),
            num(mb(result.rss_after[name])),
            ratio(result.rss_peak[name], floor),
            _verdict(mb(result.rss_peak[name]) < TARGET_RSS_MB),
        ]
        for name in result.rss_at_rest
    ]
    headers = [
        "service",
        "RSS at rest MB",
        "peak under load MB",
        "end of run MB",
        "peak / floor",
        "target < 200 MB",
    ]
    notes = [
        f"floor: a bare interpreter importing the services' libraries = {mb(floor):.0f} MB;"
        " sampled every 0.25 s from /proc during preparation and all phases of section 1.",
    ]
    return Section("3. Memory (RSS) per service process", headers, rows, notes)


async def main(args: argparse.Namespace) -> None:
    started = time.monotonic()
    hub = bench_settings(run_prefix("e2e"))
    host = await machine.describe(hub)
    busy_before = await machine.busy_percent()
    watch = machine.CompetitorWatch()
    watching = asyncio.create_task(watch.run())
    sections: list[Section] = []
    e2e: endtoend.EndToEndResult | None = None
    if not args.consumers:
        e2e_sections, e2e = await end_to_end(hub, args)
        sections += e2e_sections
    results = []
    for subject in consumers.SUBJECTS:
        if args.consumers and subject.service not in args.consumers:
            continue
        say(f"consumer: {subject.service}")
        results.append(await consumers.measure(subject, args.events, args.raw_runs))
    sections.insert(3 if not args.consumers else 0, consumer_section(results))
    watching.cancel()
    others = watch.summary()
    settings = [
        f"command: python bench/run.py {' '.join(sys.argv[1:])}".rstrip(),
        f"section 2: {args.events} events per consumer, each raw loop run {args.raw_runs} times",
        f"service settings overridden from the environment: {_overrides() or 'none'}",
        "other hub services, test runs or brokers on this machine during the run: "
        + (f"{others} - they shared the CPUs: figures are pessimistic" if others else "none"),
        f"machine busy before the run (2 s sample): {busy_before:.0f}% of all CPUs"
        + (" - other work was running: figures are pessimistic" if busy_before > 15 else ""),
        f"total run time: {time.monotonic() - started:.0f} s",
    ]
    if not args.consumers:
        settings.insert(
            1,
            f"section 1: four services as separate processes (hub_demo.processes), production"
            f" settings except the gateway's per-partner rate limit (lifted); closed loop"
            f" {args.referrals} referrals from {args.clients} clients, then open loop for"
            f" {args.seconds:g} s"
            + (
                ""
                if args.quick
                else f" at 80% of the closed-loop rate (when below {args.rate:g}/s) and"
            )
            + f" at {args.rate:g}/s, each with up to {args.drain:g} s to drain",
        )
    print(text(host.lines(), settings, sections))
    if not args.consumers and not args.quick:  # bench/latest.md holds whole, full runs only
        say(f"wrote {write_markdown(markdown(host.lines(), settings, sections))}")
    print(summary_line(e2e, results), flush=True)  # the last line on stdout: one JSON object


async def end_to_end(
    hub: HubSettings, args: argparse.Namespace
) -> tuple[list[Section], endtoend.EndToEndResult]:
    """Sections 1 (a, b, c) and 3: the four services as processes under load."""
    say("raw baselines")
    try:
        async with scratch_databases(hub, "raw") as raw_db:
            raw = await baselines.measure(hub, raw_db["raw"])
        plan = endtoend.Plan(
            closed_referrals=args.referrals,
            closed_clients=args.clients,
            open_rate=args.rate,
            open_seconds=args.seconds,
            drain_seconds=args.drain,
            partners=args.partners,
            sustainable_share=0.0 if args.quick else 0.8,
        )
        async with (
            scratch_databases(hub, "casefile", "referral", "partner_gateway", "signals") as dbs,
            production_identities(hub, dbs) as identities,
        ):
            e2e = await endtoend.run(hub, dbs, identities, plan, say)
    finally:
        await delete_topics_with_prefix(hub, hub.topic_prefix)
    sections = [*endtoend_section(e2e, raw, args.rate), memory_section(e2e, raw.python_floor_rss)]
    return sections, e2e


def write_markdown(content: str) -> Path:
    out = Path(__file__).resolve().parent / "latest.md"
    out.write_text(content)
    return out


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--referrals", type=int, default=600, help="closed-loop referrals")
    parser.add_argument("--rate", type=float, default=TARGET_RATE, help="open-loop referrals/s")
    parser.add_argument("--seconds", type=float, default=20, help="open-loop duration")
    parser.add_argument("--drain", type=float, default=45, help="wait for late acceptances")
    parser.add_argument("--clients", type=int, default=48, help="closed-loop concurrency")
    parser.add_argument("--partners", type=int, default=8, help="simulated partners")
    parser.add_argument("--events", type=int, default=30000, help="events per consumer")
    parser.add_argument(
        "--consumers",
        nargs="+",
        choices=[s.service for s in consumers.SUBJECTS],
        help="only section 2, for these consumers (e.g. --consumers signals)",
    )
    parser.add_argument("--raw-runs", type=int, default=3, help="runs of each raw loop")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="`make bench-quick`: reduced sizes (the options above override them), no"
        " sustainable-load phase, bench/latest.md left alone",
    )
    args = parser.parse_args()
    if args.quick:
        given = {a.split("=")[0] for a in sys.argv[1:] if a.startswith("--")}
        for name, value in QUICK.items():
            if f"--{name.replace('_', '-')}" not in given:
                setattr(args, name, value)
    return args


if __name__ == "__main__":
    # The in-process services of section 2 log every start; only errors belong on the terminal.
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(main(parse()))
