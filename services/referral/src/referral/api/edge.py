"""What every router of the referral API shares: the bus, reads, Idempotency-Keys, `Prefer`."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Response
from hub_runtime import idempotency
from hub_runtime.auth import Principal
from hub_runtime.bus import IdempotencyKey, MessageBus
from pydantic import BaseModel

from referral.clock import Clock
from referral.deps import Deps
from referral.unit_of_work import ReferralUnitOfWork
from referral.vault import CaseVault
from referral.view_catch_up import CaseViewCatchUp


@dataclass(frozen=True)
class Edge:
    """``bus``: dispatches every change; ``reads``: a read-only unit of work for reads (no
    transaction, writes refused: `hub_runtime.unit_of_work.UnitOfWork`); ``view``:
    read-your-writes before a request the case view would refuse."""

    bus: MessageBus[ReferralUnitOfWork, Deps]
    reads: Callable[[], ReferralUnitOfWork]
    view: CaseViewCatchUp

    @property
    def clock(self) -> Clock:
        """The service's clock."""
        return self.bus.deps.clock

    @property
    def vault(self) -> CaseVault:
        """Opens the sealed fields of answers."""
        return self.bus.deps.vault


KeyHeader = Annotated[str | None, Depends(idempotency.optional_key)]
"""The request's Idempotency-Key, if it sent one (400 when malformed)."""


def staff_key(
    who: Principal, key: str | None, route: str, body: BaseModel
) -> IdempotencyKey | None:
    """A staff request's Idempotency-Key, scoped to the member of staff who sent it; the
    request is identified by its route and parsed body."""
    if key is None:
        return None
    request_hash = idempotency.fingerprint(route, body.model_dump(mode="json"))
    return IdempotencyKey(f"staff:{who.sub}", key, request_hash)


def created_id(answer: Any, replayed: bool, response: Response) -> UUID:
    """The id a create answered (as JSON, from the bus or a replay); a replay says so
    (``Idempotent-Replayed: true``) and answers what it created, as it is now. Only the id is
    stored with a key: no evidence or other data is copied into the key table."""
    if replayed:
        response.headers[idempotency.REPLAYED_HEADER] = "true"
    # Keys answered before the bus stored {"id": ...}; the bus stores the id itself.
    return UUID(answer["id"] if isinstance(answer, dict) else answer)


MAX_PREFER_WAIT_SECONDS = 10


def prefer_wait_seconds(prefer: str | None) -> float:
    """The `wait` preference of a `Prefer` header (RFC 7240), capped; 0 when absent. A
    preference the server does not understand is ignored, as the RFC asks."""
    for preference in (prefer or "").split(","):
        name, _, value = preference.split(";")[0].partition("=")
        if name.strip().lower() != "wait":
            continue
        try:
            seconds = float(value.strip().strip('"'))
        except ValueError:
            return 0.0
        if math.isnan(seconds):
            return 0.0
        return max(0.0, min(seconds, MAX_PREFER_WAIT_SECONDS))
    return 0.0
