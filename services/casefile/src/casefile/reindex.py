"""``python -m casefile.reindex``: the blind index of every open case, computed anew.

Run it after ``CASEFILE_INDEX_KEY`` changed (with the new key, once every instance runs with
it): until it ends, a person opened before the change is not found as "already in the hub".
Cases opened before migration 0022 need nothing: the ``person_indexer`` worker indexes open
cases without an index at each start (``--missing`` does only that, here and now).

Each batch is one transaction; safe beside the running services and a second run of itself.
Prints how many cases were indexed and the pairs of open cases that hold the same person
(case ids only: a council decides which to close; the second stays without an index).
Exit status: 0 done; 1 when open cases share a person; 78 on invalid or insecure settings.
"""

import argparse
import asyncio
import json
import sys
from uuid import UUID

from hub_runtime.db import create_pool
from hub_runtime.entry import load_settings, refuse_insecure

from casefile import messages as m
from casefile.bootstrap import deps
from casefile.bus import Bus
from casefile.config import Settings
from casefile.routes import ROUTES
from casefile.unit_of_work import CasefileUnitOfWork


async def reindex(
    settings: Settings, *, every: bool = True, batch: int = 200
) -> tuple[int, list[tuple[UUID, UUID]]]:
    """Index the open cases (``every`` one, or those without an index); returns (indexed,
    [(case, the other open case holding the same person)])."""
    pool = await create_pool(settings.hub.pg_dsn, settings.database, max_size=2)
    try:
        bus = Bus(ROUTES, lambda: CasefileUnitOfWork(pool), deps(settings))
        after: UUID | None = None
        indexed, known = 0, list[tuple[UUID, UUID]]()
        while True:
            done = await bus.dispatch(m.IndexPersons(after=after, limit=batch, every=every))
            indexed += done.indexed
            known.extend(done.already_known)
            if done.last is None:
                return indexed, known
            after = done.last
    finally:
        await pool.close()


def main(argv: list[str] | None = None) -> None:
    """Run the reindex and print its outcome (``--json`` for scripts)."""
    parser = argparse.ArgumentParser(prog="python -m casefile.reindex", description=__doc__)
    parser.add_argument("--missing", action="store_true", help="only cases without an index")
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    options = parser.parse_args(argv)
    settings = load_settings(Settings)
    refuse_insecure(settings)
    indexed, known = asyncio.run(reindex(settings, every=not options.missing))
    pairs = [{"case_id": str(c), "same_person_as": str(h)} for c, h in known]
    if options.json:
        print(json.dumps({"indexed": indexed, "same_person": pairs}))
    else:
        print(f"open cases indexed: {indexed}")
        for pair in pairs:
            print(
                f"not indexed: case {pair['case_id']} holds the person of {pair['same_person_as']}"
            )
    if known:
        sys.exit(1)


if __name__ == "__main__":
    main()
