"""Service CPU per referral end to end, with and without a change of settings, alternating
(issue 16).

    uv run python bench/e2e_ab.py --b HUB_SETTING=value [--a HUB_SETTING=value] \
        [--rounds 2] [--referrals 300] [--clients 32]

Each round starts the four services as processes (`bench.loaded_hub`, each under its own
identity, on scratch databases) once per variant, the variants alternating (A B, then B A) so
that a change in the machine's load hits both alike. Variant A is the services as they ship
plus ``--a``'s variables, variant B the same plus ``--b``'s. After the cases are prepared, a
closed loop of ``--referrals`` referrals runs from ``--clients`` counsellors; the figure is
each service's own CPU time (user + system, from /proc) during the loop per accepted referral,
in ms, and their sum; Kafka's and PostgreSQL's (with its backends) are shown beside them. The
medians per variant and their ratio B / A are printed (below 1: B
costs less); the closed-loop rate is printed as information (wall clock, noisier).
"""

import argparse
import asyncio
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import endtoend
from bench.loaded_hub import loaded_hub, say


@dataclass(frozen=True)
class Measurement:
    variant: str
    cpu_ms_per_referral: dict[str, float]
    referrals_per_s: float
    server_ms_per_referral: dict[str, float]
    """Kafka's and PostgreSQL's CPU (`endtoend.tree_cpu_seconds`) per accepted referral, in ms:
    shown beside the services', not in their total."""

    @property
    def total(self) -> float:
        return sum(self.cpu_ms_per_referral.values())


def variables(pairs: list[str]) -> dict[str, str]:
    """``NAME=value`` arguments as a mapping (an argparse usage error on a malformed one)."""
    found: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise SystemExit(f"e2e_ab: expected NAME=value, got {pair!r}")
        found[name] = value
    return found


async def measure(variant: str, env: dict[str, str], args: argparse.Namespace) -> Measurement:
    async with loaded_hub(f"ab{variant.lower()}", args.referrals, extra_env=env) as hub:
        servers = endtoend.infrastructure_pids()
        before = {name: endtoend.cpu_seconds(pid) for name, pid in hub.pids.items()}
        servers_before = {name: endtoend.tree_cpu_seconds(pid) for name, pid in servers.items()}
        phase = await endtoend.closed_loop(
            variant, hub.client, hub.probe, hub.cases, args.clients, hub.pids
        )
        used = {name: endtoend.cpu_seconds(pid) - before[name] for name, pid in hub.pids.items()}
        servers_used = {
            name: endtoend.tree_cpu_seconds(pid) - servers_before[name]
            for name, pid in servers.items()
        }
    accepted = max(phase.completed, 1)
    per_referral = {name: 1000 * seconds / accepted for name, seconds in used.items()}
    server_ms = {name: 1000 * seconds / accepted for name, seconds in servers_used.items()}
    say(
        f"{variant}: {phase.completed} accepted at {phase.rate:.1f}/s, "
        f"{sum(per_referral.values()):.1f} ms service CPU per referral"
    )
    return Measurement(variant, per_referral, phase.rate, server_ms)


def report(measurements: list[Measurement]) -> str:
    by_variant = {v: [m for m in measurements if m.variant == v] for v in ("A", "B")}
    services = sorted(measurements[0].cpu_ms_per_referral)
    lines = ["| service | A ms/referral | B ms/referral | B / A |", "|---|---:|---:|---:|"]
    for name in [*services, "total"]:
        a, b = (
            statistics.median(
                m.total if name == "total" else m.cpu_ms_per_referral[name] for m in by_variant[v]
            )
            for v in ("A", "B")
        )
        lines.append(f"| {name} | {a:.1f} | {b:.1f} | {b / a:.2f} |")
    for name in sorted(measurements[0].server_ms_per_referral):
        a, b = (
            statistics.median(m.server_ms_per_referral[name] for m in by_variant[v])
            for v in ("A", "B")
        )
        lines.append(f"| {name} (server, not in the total) | {a:.1f} | {b:.1f} | {b / a:.2f} |")
    rates = {v: statistics.median(m.referrals_per_s for m in by_variant[v]) for v in ("A", "B")}
    lines.append(
        f"closed-loop referrals/s (median, information): A {rates['A']:.1f}, B {rates['B']:.1f}"
    )
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> None:
    envs = {"A": variables(args.a), "B": variables(args.b)}
    print(f"A: {envs['A'] or 'as shipped'}; B: {envs['B']}")
    measurements = []
    for round_number in range(args.rounds):
        order = ("A", "B") if round_number % 2 == 0 else ("B", "A")
        for variant in order:
            measurements.append(await measure(variant, envs[variant], args))
    print(report(measurements))


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--a", action="append", default=[], help="NAME=value for variant A")
    parser.add_argument("--b", action="append", default=[], help="NAME=value for variant B")
    parser.add_argument("--rounds", type=int, default=2, help="rounds (A and B each once)")
    parser.add_argument("--referrals", type=int, default=300, help="closed-loop referrals")
    parser.add_argument("--clients", type=int, default=32, help="closed-loop concurrency")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
