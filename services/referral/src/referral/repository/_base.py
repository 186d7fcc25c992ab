"""What every PostgreSQL repository of referral stands on: the unit of work's connection."""

from __future__ import annotations

from typing import Protocol

from hub_runtime.db import Connection


class HasConnection(Protocol):
    """A unit of work (open) whose transaction the repositories write in."""

    @property
    def conn(self) -> Connection: ...


class PgRepository:
    """Base of the PostgreSQL repositories: every call uses the unit of work's connection as
    it is at that moment (one per `async with uow:`), so a repository outlives transactions."""

    def __init__(self, tx: HasConnection) -> None:
        self._tx = tx

    @property
    def conn(self) -> Connection:
        """The open transaction's connection; raises RuntimeError outside `async with uow:`."""
        return self._tx.conn
