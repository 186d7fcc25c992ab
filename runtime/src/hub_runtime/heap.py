"""The cyclic garbage collector's settings in a running service process.

A started service holds a few hundred thousand long-lived objects (its modules, FastAPI's and
pydantic's schemas, the contracts' validators) that the collector would otherwise walk again in
every full collection, while a batch of Kafka records or an HTTP request allocates thousands of
short-lived ones (models, dicts, spans), which with CPython's default threshold (700
allocations) starts a young collection every few records. Measured in `bench/consumers.py`'s
decoding path: about half of the CPU a record's decoding took was the collector's.
"""

import gc

YOUNG_GENERATION_THRESHOLD = 10_000
"""Allocations (minus deallocations) that start a young-generation collection; CPython's
default is 700. The older generations keep their defaults (collected after every 10 of the
younger), so a full collection still happens, only 14 times less often."""


def settle_after_start() -> None:
    """Collect once, then move every object now alive into the collector's permanent generation
    (`gc.freeze`, Python 3.7+: "ignore them in all the future collections") and raise the young
    generation's threshold to `YOUNG_GENERATION_THRESHOLD`.

    Called once a service has started (`hub_runtime.service.run_until_signalled`). Reference
    counting still frees frozen objects that are dropped later; only reference cycles among
    them are never collected, which for objects built at start-up (modules, schemas, pools)
    costs nothing. Calling it again freezes what was created since."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, oldest)
