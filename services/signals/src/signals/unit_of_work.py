"""The unit of work of signals is the runtime's: one transaction with inbox and outbox rows.

Signals has no aggregate objects to track, so repositories are plain functions taking
``uow.conn`` (see ``repository.py``) rather than attributes of a subclass.
"""

from __future__ import annotations

from collections.abc import Callable

from hub_runtime.unit_of_work import UnitOfWork

UnitOfWorkFactory = Callable[[], UnitOfWork]

__all__ = ["UnitOfWork", "UnitOfWorkFactory"]
