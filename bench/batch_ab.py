"""A consumer with and without its batch route, over the same events, alternating (issue 16).

    uv run python bench/batch_ab.py [--consumers casefile referral] [--rounds 2] [--events 30000]

For each service and round, section 2 of `bench/run.py` (`bench.consumers.measure`: events
preloaded, the raw kafka + pg pipeline timed, then the service's consumer) runs once per
variant, the variants alternating (A B B A ...) so that a change in the machine's load hits
both alike: "per event" is the service's definition without its batch route (every record
through its event route, one transaction per poll: the consumer before the batch routes),
"batch" the definition as it ships. The figure is each measurement's ratio against the raw
pipeline of the same measurement; the medians per variant are printed.
"""

import argparse
import asyncio
import dataclasses
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub_runtime.service import ServiceRuntime
from hub_runtime.settings import HubSettings

from bench.consumers import SUBJECTS, Subject, measure

Starter = Callable[[HubSettings, str], ServiceRuntime]


def _without_batch(start: Starter) -> Starter:
    """``start`` with the definition's batch route removed (the per-event consumer)."""

    def started(hub: HubSettings, db: str) -> ServiceRuntime:
        runtime = start(hub, db)
        runtime.definition = dataclasses.replace(runtime.definition, batch_handler=None)
        return runtime

    return started


async def main(args: argparse.Namespace) -> None:
    """Print one line per measurement, then the medians per service and variant."""
    ratios: dict[tuple[str, str], list[float]] = {}
    for name in args.consumers:
        subject = next(s for s in SUBJECTS if s.service == name)
        variants = {
            "per event": dataclasses.replace(
                subject, make_runtime=_without_batch(subject.make_runtime)
            ),
            "batch": subject,
        }
        order = list(variants)
        for round_ in range(args.rounds):
            for label in order if round_ % 2 == 0 else order[::-1]:
                started = time.strftime("%H:%M:%S")
                result = await measure(variants[label], args.events, args.raw_runs)
                ratio = result.hub_rate / result.raw_pipeline_rate
                ratios.setdefault((name, label), []).append(ratio)
                print(f"[{started}] {name:9} {label:9} hub {result.hub_rate:8,.0f}/s"
                      f"  raw kafka+pg {result.raw_pipeline_rate:8,.0f}/s  ratio {ratio:.3f}"
                      f"  dead-lettered {result.dead_lettered}", flush=True)  # fmt: skip
    print("\nmedian ratio against raw kafka+pg (target >= 0.5):")
    for (name, label), values in ratios.items():
        print(f"  {name:9} {label:9} {statistics.median(values):.3f}  ({len(values)} runs)")


def parse() -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    names = [s.service for s in SUBJECTS]
    parser.add_argument("--consumers", nargs="+", choices=names, default=["casefile", "referral"])
    parser.add_argument("--rounds", type=int, default=2, help="measurements per variant")
    parser.add_argument("--events", type=int, default=30000, help="events per measurement")
    parser.add_argument("--raw-runs", type=int, default=3, help="runs of each raw loop")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))


__all__ = ["Subject", "main"]
