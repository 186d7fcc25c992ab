"""Where one referral's database transactions go: `uv run python bench/trace.py --referrals 20`.

Brings up the four services as processes on scratch databases (like section 1), prepares the
cases (case, decision, consent), waits until the hub is idle, then logs every statement of the
private PostgreSQL server (`log_statement = all`, its own stack only: it needs a superuser) while
`--referrals` referrals run one after the other, from the request to the partner's acceptance on
the case. It prints, per database, the transactions per referral grouped by what they do (the
first statement that names a table), the commits `pg_stat_database` counted in the same window
as a cross-check, and the idle background (what the same window costs without referrals).
The benchmark's own probe (which watches casefile's timeline) is left out of the logged count
by its application name; casefile's `pg_stat_database` figure still includes it (about 50 reads
a second). Nothing here is a timed figure: the log slows the server down.
"""

import argparse
import asyncio
import re
import time
from collections import Counter, defaultdict

import asyncpg
import httpx
from hub_demo.client import HubClient
from hub_demo.inprocess import connect_simulated_partner
from hub_demo.processes import HubProcesses
from hub_runtime.db import dsn_for_database
from hub_runtime.kafka import delete_topics_with_prefix

from bench.common import LOG_DIR, ROOT, bench_settings, run_prefix, scratch_databases
from bench.endtoend import (
    GATEWAY_ENV,
    TimelineProbe,
    closed_loop,
    prepare_cases,
    wait_for_referral_view,
)

PG_LOG = ROOT / ".hub" / "pg" / "log" / "postgres.log"
PROBE_APP = "bench-probe"
PREFIX = "%m|%p|%d|%a|%v|"
SHOW = False
_LINE = re.compile(r"^\S+ \S+ \S+\|(\d+)\|([^|]*)\|([^|]*)\|([^|]*)\|LOG:  (.*)$")
_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN)\s+([a-z_][a-z0-9_.]*)", re.IGNORECASE)


async def _set_logging(admin: asyncpg.Connection, on: bool) -> None:
    if on:
        await admin.execute("ALTER SYSTEM SET log_statement = 'all'")
        await admin.execute(f"ALTER SYSTEM SET log_line_prefix = '{PREFIX}'")
    else:
        await admin.execute("ALTER SYSTEM RESET log_statement")
        await admin.execute("ALTER SYSTEM RESET log_line_prefix")
    await admin.execute("SELECT pg_reload_conf()")
    await asyncio.sleep(0.5)


def _statements(text: str, databases: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """(database key, backend pid + vxid, application, statement) per logged statement."""
    keys = {name: key for key, name in databases.items()}
    out: list[tuple[str, str, str, str]] = []
    for line in text.splitlines():
        match = _LINE.match(line)
        if match is None:
            if out and line.startswith("\t"):  # a statement's continuation line
                db, tx, app, sql = out[-1]
                out[-1] = (db, tx, app, f"{sql} {line.strip()}")
            continue
        pid, db, app, vxid, message = match.groups()
        if db not in keys or not (message.startswith(("statement:", "execute "))):
            continue
        sql = (
            message.split(":", 1)[1].strip()
            if message.startswith("statement:")
            else (message.split(": ", 1)[1] if ": " in message else message)
        )
        out.append((keys[db], f"{pid}/{vxid}", app, sql))
    return out


def _label(sqls: list[str]) -> str:
    """What a transaction does: its writes' tables, else the tables it reads."""
    writes: list[str] = []
    reads: list[str] = []
    for sql in sqls:
        head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        tables = [t for t in _TABLE.findall(sql) if not t.startswith("unnest")]
        if head in {"INSERT", "UPDATE", "DELETE"} or "pg_notify" in sql:
            writes += tables[:1] if tables else [head.lower()]
        elif head in {"SELECT", "WITH"}:
            reads += [t for t in tables if t.lower() not in {"unnest"}][:1]
        elif head in {"LISTEN", "UNLISTEN"}:
            reads.append(head.lower())
    if writes:
        return "writes " + ",".join(dict.fromkeys(writes))
    return "reads " + (",".join(dict.fromkeys(reads)) or "-")


EXAMPLES: dict[tuple[str, str], list[str]] = {}
"""One transaction's statements per (database key, label), for `--show`."""


def transactions(text: str, databases: dict[str, str]) -> Counter[tuple[str, str]]:
    """(database key, label) -> committed transactions, from the statement log."""
    groups: dict[str, list[str]] = defaultdict(list)
    owner: dict[str, str] = {}
    for db, tx, app, sql in _statements(text, databases):
        if app == PROBE_APP:
            continue
        groups[tx].append(sql)
        owner[tx] = db
    counts: Counter[tuple[str, str]] = Counter()
    for tx, sqls in groups.items():
        label = _label(sqls)
        if any(s.upper().startswith("ROLLBACK") for s in sqls):
            label = "(rolled back) " + label
        counts[(owner[tx], label)] += 1
        EXAMPLES.setdefault((owner[tx], label), sqls)
    return counts


async def _commits(admin: asyncpg.Connection, names: list[str]) -> dict[str, int]:
    await asyncio.sleep(1.2)  # backends report their counters about once a second
    rows = await admin.fetch(
        "SELECT datname, xact_commit FROM pg_stat_database WHERE datname = ANY($1)", names
    )
    return {row["datname"]: int(row["xact_commit"]) for row in rows}


async def trace(referrals: int, clients: int, idle_seconds: float) -> None:
    hub = bench_settings(run_prefix("trace"))
    admin = await asyncpg.connect(dsn_for_database(hub.pg_dsn, "postgres"))
    try:
        async with scratch_databases(
            hub, "casefile", "referral", "partner_gateway", "signals"
        ) as dbs:
            await _run(hub, dbs, admin, referrals, clients, idle_seconds)
    finally:
        await _set_logging(admin, False)
        await admin.close()
        await delete_topics_with_prefix(hub, hub.topic_prefix)


async def _run(
    hub: object, dbs: dict[str, str], admin: asyncpg.Connection, n: int, clients: int, idle: float
) -> None:
    from hub_runtime.settings import HubSettings

    assert isinstance(hub, HubSettings)
    processes = HubProcesses(hub, dbs, LOG_DIR / "trace", extra_env=GATEWAY_ENV)
    pool = await asyncpg.create_pool(
        dsn_for_database(hub.pg_dsn, dbs["casefile"]),
        min_size=1,
        max_size=2,
        server_settings={"application_name": PROBE_APP},
    )
    ref_pool = await asyncpg.create_pool(
        dsn_for_database(hub.pg_dsn, dbs["referral"]),
        min_size=1,
        max_size=1,
        server_settings={"application_name": PROBE_APP},
    )
    assert pool is not None
    assert ref_pool is not None
    client: HubClient | None = None
    simulators = []
    probe_task: asyncio.Task[None] | None = None
    try:
        await processes.start_all()
        await asyncio.sleep(3)
        client = HubClient(
            processes.urls(), hub.jwt_secret.get_secret_value(), httpx.AsyncClient(timeout=30)
        )
        partner = await client.register_partner("Trace partner")
        simulators.append(await connect_simulated_partner(client, partner))
        cases = await prepare_cases(client, [partner], n)
        await wait_for_referral_view(ref_pool, cases)
        probe = TimelineProbe(pool)
        probe_task = asyncio.create_task(probe.run())
        await asyncio.sleep(5)  # let the preparation's events settle everywhere
        names = list(dbs.values())
        await _set_logging(admin, True)
        start = PG_LOG.stat().st_size
        before = await _commits(admin, names)
        t0 = time.perf_counter()
        await asyncio.sleep(idle)
        idle_mid = PG_LOG.stat().st_size
        mid = await _commits(admin, names)
        pids = {name: s.pid for name, s in processes.services.items()}
        phase = await closed_loop("trace", client, probe, cases, clients, pids)
        await asyncio.sleep(3)  # the last acceptance's tail (relay marks, offsets)
        after = await _commits(admin, names)
        end = PG_LOG.stat().st_size
        elapsed = time.perf_counter() - t0 - idle
        await _set_logging(admin, False)
        _report(dbs, phase.completed, idle, elapsed, start, idle_mid, end, before, mid, after)
    finally:
        if probe_task is not None:
            probe_task.cancel()
        for simulator in simulators:
            await simulator.stop()
        if client is not None:
            await client.aclose()
        await pool.close()
        await ref_pool.close()
        await processes.stop_all()


def _read(start: int, end: int) -> str:
    with PG_LOG.open("rb") as f:
        f.seek(start)
        return f.read(end - start).decode(errors="replace")


def _report(
    dbs: dict[str, str],
    done: int,
    idle: float,
    elapsed: float,
    start: int,
    idle_mid: int,
    end: int,
    before: dict[str, int],
    mid: dict[str, int],
    after: dict[str, int],
) -> None:
    idle_tx = transactions(_read(start, idle_mid), dbs)
    busy_tx = transactions(_read(idle_mid, end), dbs)
    scale = elapsed / idle
    print(f"referrals accepted: {done}; window {elapsed:.1f} s (idle sample {idle:.0f} s)")
    print("| database | transaction (what it touches) | per referral | of it idle background |")
    print("|---|---|---:|---:|")
    totals: Counter[str] = Counter()
    for (db, label), count in sorted(busy_tx.items()):
        background = idle_tx.get((db, label), 0) * scale / max(1, done)
        print(f"| {db} | {label} | {count / max(1, done):.2f} | {background:.2f} |")
        if not label.startswith("(rolled back)"):
            totals[db] += count
    print()
    for key, name in dbs.items():
        stat = (after[name] - mid[name]) / max(1, done)
        idle_stat = (mid[name] - before[name]) * scale / max(1, done)
        print(
            f"{key}: {totals[key] / max(1, done):.2f} logged transactions per referral;"
            f" pg_stat_database {stat:.2f} commits per referral"
            f" (idle background {idle_stat:.2f})"
        )
    print(f"total: {sum(totals.values()) / max(1, done):.2f} logged transactions per referral")
    if SHOW:
        for (db, label), sqls in sorted(EXAMPLES.items()):
            print(f"\n## {db}: {label}")
            for sql in sqls:
                print(f"    {sql[:200]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--referrals", type=int, default=20)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--idle", type=float, default=5.0, help="idle sample, seconds")
    parser.add_argument("--show", action="store_true", help="one example per transaction kind")
    args = parser.parse_args()
    global SHOW
    SHOW = args.show
    asyncio.run(trace(args.referrals, args.clients, args.idle))


if __name__ == "__main__":
    main()
