"""The one-line JSON summary that ends `make bench-quick` (and `bench/run.py`'s output).

    {"referrals_per_s": …, "p99_ms_at_100_per_s": …, "service_cpu_ms_per_referral": …,
     "consumer_share_min": …}

- referrals_per_s: the closed loop's rate (the hub's throughput at saturation);
- p99_ms_at_100_per_s: p99 from request to the partner's acceptance on the case, in the open
  loop at the target rate; null when more than 1% of the referrals were not accepted within
  the window (the p99 is then unknown, only larger than the window);
- service_cpu_ms_per_referral: CPU ms of the four service processes per accepted referral in
  the closed loop;
- consumer_share_min: the lowest consumer's events/s divided by the hand-written kafka + pg
  pipeline's events/s over the same events in the same run (target >= 0.5).
A figure whose section did not run is null.
"""

import json
import math
from collections.abc import Sequence

from bench import consumers, endtoend

TARGET_PHASE = "target load"
CLOSED_PHASE = "max throughput"
SERVICES = ("casefile", "referral", "partner-gateway", "signals")


def service_cpu_ms(phase: endtoend.Phase) -> float:
    """CPU ms the four service processes spent per accepted referral in `phase`."""
    services = sum(v for k, v in phase.cpu_percent.items() if k in SERVICES)
    return 10 * services / phase.rate if phase.rate else math.nan


SERVERS = ("Kafka", "PostgreSQL")


def server_cpu_ms(phase: endtoend.Phase, idle: dict[str, float] | None = None) -> float:
    """CPU ms Kafka and PostgreSQL (with its backends) spent per accepted referral in `phase`;
    with ``idle`` (their % of one CPU with the hub up and no referral in flight), only what
    they spent beyond that. nan where the stack's servers were not found on this machine."""
    present = [k for k in SERVERS if k in phase.cpu_percent]
    idle = idle or {}
    used = sum(phase.cpu_percent[k] - idle.get(k, 0.0) for k in present)
    return 10 * used / phase.rate if phase.rate and present else math.nan


def _finite(value: float, digits: int) -> float | None:
    return round(value, digits) if math.isfinite(value) else None


def summary_line(
    e2e: endtoend.EndToEndResult | None, results: Sequence[consumers.ConsumerResult]
) -> str:
    """The summary as one line of JSON (keys always present; null where not measured)."""
    rate = p99 = cpu = share = math.nan
    if e2e is not None:
        phases = {p.name: p for p in e2e.phases}
        if CLOSED_PHASE in phases:
            rate = phases[CLOSED_PHASE].rate
            cpu = service_cpu_ms(phases[CLOSED_PHASE])
        if TARGET_PHASE in phases:
            p99 = phases[TARGET_PHASE].p(99)
    shares = [r.hub_rate / r.raw_pipeline_rate for r in results if r.raw_pipeline_rate > 0]
    if shares:
        share = min(shares)
    return json.dumps(
        {
            "referrals_per_s": _finite(rate, 1),
            "p99_ms_at_100_per_s": _finite(p99, 0),
            "service_cpu_ms_per_referral": _finite(cpu, 1),
            "consumer_share_min": _finite(share, 3),
        }
    )
