"""The stack's PostgreSQL never writes a refused row's values to its log (`infra/stack.sh`
sets ``log_error_verbosity = terse``): an error's DETAIL would quote them ("Key (name)=(...)
already exists", "Failing row contains (...)"), and a typed value may be a person's name (the
sixth new user's trial). Operators set the same on a production server (docs/deployment.md)."""

import asyncpg
import pytest
from hub_runtime.db import dsn_for_database
from hub_runtime.settings import HubSettings
from hub_runtime.testing import postgres_log

pytestmark = pytest.mark.integration

MARKER = "Fatima Haddad"


async def test_a_refused_row_s_values_stay_out_of_the_server_s_log(
    hub_settings: HubSettings, fresh_database: str
) -> None:
    log = postgres_log()
    start = log.stat().st_size
    conn = await asyncpg.connect(dsn_for_database(hub_settings.pg_dsn, fresh_database))
    try:
        await conn.execute("CREATE TABLE people (name text UNIQUE, age int CHECK (age >= 0))")
        await conn.execute("INSERT INTO people VALUES ($1, 1)", MARKER)
        with pytest.raises(asyncpg.UniqueViolationError):
            await conn.execute("INSERT INTO people VALUES ($1, 2)", MARKER)
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute("INSERT INTO people VALUES ($1, -1)", MARKER + " 2")
    finally:
        await conn.close()
    with log.open("rb") as server_log:
        server_log.seek(start)
        written = server_log.read().decode(errors="replace")
    assert "people_name_key" in written  # the errors were logged: the log is the right one
    assert MARKER not in written
