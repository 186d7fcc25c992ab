"""A consumer's decoding of a record, the careful strict parser against the fast one,
alternating in one process (issue 16).

    uv run python bench/decode_ab.py [--rounds 200] [--passes 5]

The records: one envelope per registered event type, each from its example payload
(`hub_contracts.examples`), as a producer writes it (about 660 bytes on average). Two variants
of `hub_runtime.strict_json.loads`: "careful" is the standard library's parser with a hook per
object and number (the only one before this bench), "fast" is `loads` as it ships (one jiter
pass, the careful parser only when jiter is not sure). Each is measured twice: the strict parse
alone, and `hub_runtime.decoding.decode_record` (strict parse, envelope, payload, topic), the
consumers' whole decoding. Rounds are short (a few passes over the records) and alternate the
order (A B, then B A) so that a change in the machine's load hits both alike; the figure is the
median over rounds of each round's ratio fast / careful (below 1 is faster), with its quartiles.
Per-record times (process CPU time) are medians too. No stack needed.
"""

import argparse
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from aiokafka import ConsumerRecord
from hub_contracts import ContractError, new_envelope, subject_for
from hub_contracts.examples import EXAMPLES
from hub_runtime import strict_json
from hub_runtime.decoding import Record, decode_record


def hub_records() -> list[Record]:
    """One record per registered event type, on its own topic, as a producer writes it."""
    records = []
    for make in EXAMPLES.values():
        payload = make()
        try:
            subject = subject_for(payload)
        except ContractError:
            subject = "2025-03"  # a payload that does not determine its subject
        value = new_envelope(
            payload, source="urn:council-hub:casefile", subject=subject, causationid=uuid.uuid4()
        ).to_bytes()
        topic = payload.topic.value
        records.append(ConsumerRecord(topic, 0, 0, 0, 0, b"k", value, None, 1, len(value), ()))
    return records


@contextmanager
def careful_only() -> Iterator[None]:
    """`strict_json.loads` as it was before the fast pass, for the duration."""
    shipped = strict_json.loads
    strict_json.loads = strict_json._careful
    try:
        yield
    finally:
        strict_json.loads = shipped


def per_record_us(work: Callable[[], None], passes: int, records: int) -> float:
    """CPU microseconds per record of ``passes`` runs of ``work`` (which reads every record).

    The process's CPU time, not the wall clock: on a shared machine the wall clock also counts
    the time another process held the core, which is load, not cost."""
    started = time.process_time()
    for _ in range(passes):
        work()
    return (time.process_time() - started) / (passes * records) * 1e6


def main(args: argparse.Namespace) -> None:
    """Print the median ratio per measurement, its quartiles and the per-record times."""
    records = hub_records()
    values = [record.value or b"" for record in records]

    def parse() -> None:
        for value in values:
            strict_json.loads(value)

    def decode() -> None:
        for record in records:
            decode_record(record)

    mean = statistics.mean(len(value) for value in values)
    print(f"{len(records)} records (one per event type), {mean:.0f} bytes on average")
    ratios: dict[str, list[float]] = {"strict parse": [], "decode_record": []}
    times: dict[tuple[str, str], list[float]] = {}
    for round_ in range(args.rounds):
        order = ["careful", "fast"] if round_ % 2 == 0 else ["fast", "careful"]
        this: dict[tuple[str, str], float] = {}
        for label in order:
            for name, work in (("strict parse", parse), ("decode_record", decode)):
                if label == "careful":
                    with careful_only():
                        this[name, label] = per_record_us(work, args.passes, len(records))
                else:
                    this[name, label] = per_record_us(work, args.passes, len(records))
        for key, value in this.items():
            times.setdefault(key, []).append(value)
        for name in ratios:
            ratios[name].append(this[name, "fast"] / this[name, "careful"])
    print(f"{args.rounds} alternating rounds of {args.passes} passes each")
    print("median ratio fast / careful (below 1 is faster), [quartiles], median us per record:")
    for name, values_ in ratios.items():
        low, mid, high = statistics.quantiles(values_, n=4)
        careful = statistics.median(times[name, "careful"])
        fast = statistics.median(times[name, "fast"])
        print(
            f"  {name:14} {mid:.3f} [{low:.3f} {high:.3f}]"
            f"  careful {careful:5.1f} us  fast {fast:5.1f} us"
        )


def parse_args() -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200, help="alternating rounds")
    parser.add_argument("--passes", type=int, default=5, help="passes over the records a round")
    return parser.parse_args()


if __name__ == "__main__":
    main(parse_args())
