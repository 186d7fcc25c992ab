"""Where PostgreSQL's time goes on a referral's path (issue 16): its statements per referral.

    uv run python bench/statements.py [--referrals 300] [--clients 32] [--top 25]

Needs the ``pg_stat_statements`` module loaded by the server (``shared_preload_libraries =
'pg_stat_statements'`` in the stack's ``postgresql.conf``, then ``infra/stack.sh
restart-postgres``); the development stack does not load it, so that tests and benchmarks run
as configured. The four services run as processes (`bench.loaded_hub`, each under its own
identity, on scratch databases); after the cases are prepared the statistics are reset, a
closed loop of ``--referrals`` referrals runs from ``--clients`` counsellors, and the
statements of the hub's four databases are printed by total execution time: calls and
execution ms per accepted referral, by database. Execution time is the server's own time in
the executor (planning, parsing and the round trip are not in it); the benchmark's own probe
(a read of casefile's timeline every 20 ms) is one of the rows.
"""

import argparse
import asyncio
import sys
from pathlib import Path

import asyncpg

if __package__ in (None, ""):  # run as a script: make `bench` importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub_runtime.db import dsn_for_database

from bench import endtoend
from bench.common import bench_settings
from bench.loaded_hub import loaded_hub, say

_BY_TIME = """
SELECT d.datname AS database, s.calls, s.total_exec_time AS ms, s.rows, s.query
FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
WHERE d.datname = ANY($1::text[])
ORDER BY s.total_exec_time DESC
"""


def _one_line(query: str, width: int = 110) -> str:
    text = " ".join(query.split())
    return text if len(text) <= width else text[: width - 3] + "..."


async def measure(args: argparse.Namespace) -> None:
    admin = await asyncpg.connect(dsn_for_database(bench_settings("stmts").pg_dsn, "postgres"))
    try:
        loaded = await admin.fetchval(
            "SELECT count(*) FROM pg_settings"
            " WHERE name = 'shared_preload_libraries' AND setting LIKE '%pg_stat_statements%'"
        )
        if not loaded:
            raise SystemExit("statements: the server does not load pg_stat_statements (see --help)")
        await admin.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        async with loaded_hub("stmts", args.referrals) as hub:
            service_of = {name: key for key, name in hub.databases.items()}
            await admin.execute("SELECT pg_stat_statements_reset()")
            phase = await endtoend.closed_loop(
                "statements", hub.client, hub.probe, hub.cases, args.clients, hub.pids
            )
            rows = await admin.fetch(_BY_TIME, list(service_of))
    finally:
        await admin.close()
    accepted = max(phase.completed, 1)
    say(f"{phase.completed} accepted at {phase.rate:.1f}/s")
    totals: dict[str, tuple[float, float]] = {}
    for row in rows:
        key = service_of[row["database"]]
        calls, ms = totals.get(key, (0.0, 0.0))
        totals[key] = (calls + row["calls"], ms + row["ms"])
    print("| database | statements per referral | execution ms per referral |")
    print("|---|---:|---:|")
    for key, (calls, ms) in sorted(totals.items(), key=lambda kv: -kv[1][1]):
        print(f"| {key} | {calls / accepted:.1f} | {ms / accepted:.2f} |")
    print()
    print("| database | calls per referral | ms per referral | statement |")
    print("|---|---:|---:|---|")
    for row in rows[: args.top or None]:
        print(
            f"| {service_of[row['database']]} | {row['calls'] / accepted:.2f}"
            f" | {row['ms'] / accepted:.3f} | `{_one_line(row['query'])}` |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--referrals", type=int, default=300, help="closed-loop referrals")
    parser.add_argument("--clients", type=int, default=32, help="closed-loop concurrency")
    parser.add_argument("--top", type=int, default=25, help="statements listed (0: all)")
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
