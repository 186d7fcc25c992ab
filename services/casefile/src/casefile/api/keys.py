"""Idempotency-Keys on casefile's writes (`hub_runtime.idempotency`): a counsellor's tool that
lost an answer sends the request again with the same key and the change is made once."""

from typing import Annotated, Any

from fastapi import Depends, Response
from hub_runtime import idempotency
from hub_runtime.auth import Principal
from hub_runtime.bus import IdempotencyKey, Message, MessageBus
from pydantic import BaseModel

KeyHeader = Annotated[str | None, Depends(idempotency.optional_key)]
"""The request's Idempotency-Key, if it sent one (400 when malformed)."""


async def once(
    bus: MessageBus[Any, Any],
    message: Message[Any],
    *,
    who: Principal,
    key: str | None,
    route: str,
    body: BaseModel,
    response: Response,
) -> Any:
    """Dispatch ``message`` once per Idempotency-Key (scoped to the member of staff, the request
    identified by ``route`` and the parsed ``body``); the handler's result as JSON (a UUID as
    its string). Without a key it is a plain dispatch. A replay says so
    (``Idempotent-Replayed: true``). Raises what `MessageBus.dispatch_idempotent` raises."""
    scoped = None
    if key is not None:
        request_hash = idempotency.fingerprint(route, body.model_dump(mode="json"))
        scoped = IdempotencyKey(f"staff:{who.sub}", key, request_hash)
    answer, replayed = await bus.dispatch_idempotent(message, scoped)
    if replayed:
        response.headers[idempotency.REPLAYED_HEADER] = "true"
    return answer
