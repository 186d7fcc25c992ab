"""The referral service's unit of work: the shared runtime's, opened by a factory.

Command handlers open one per use case; event handlers receive the one the consumer opened
(with the inbox row already in it). All SQL goes through `repository`, on `uow.conn`.
"""

from collections.abc import Callable

from hub_runtime.unit_of_work import UnitOfWork

UnitOfWorkFactory = Callable[[], UnitOfWork]

__all__ = ["UnitOfWork", "UnitOfWorkFactory"]
