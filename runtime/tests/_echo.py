"""The tiny service the runtime's tests host: ``echo`` consumes casefile's events and keeps
each opened case's id in its one table, ``seen``."""

from pathlib import Path
from typing import Any

from hub_contracts import CaseOpened, Envelope, Topic
from hub_runtime.service import ServiceDefinition
from hub_runtime.unit_of_work import UnitOfWork


async def remember(uow: UnitOfWork, envelope: Envelope, payload: CaseOpened) -> None:
    await uow.conn.execute("INSERT INTO seen (case_id) VALUES ($1)", payload.case_id)


def echo_definition(database: str, migrations: Path, **overrides: Any) -> ServiceDefinition:
    """``echo`` on ``database``, its migration written into the folder ``migrations``;
    ``overrides`` replace any field (``build_app``, ``workers``, ...)."""
    (migrations / "0001_seen.sql").write_text("CREATE TABLE seen (case_id uuid PRIMARY KEY);")
    fields: dict[str, Any] = {
        "name": "echo",
        "database": database,
        "migrations": migrations,
        "publishes": [Topic.CASEFILE_EVENTS],
        "consumes": [Topic.CASEFILE_EVENTS],
        "handlers": {CaseOpened.event_type: remember},
        **overrides,
    }
    return ServiceDefinition(**fields)
