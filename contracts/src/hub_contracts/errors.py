"""Turns pydantic validation errors into readable, value-free :class:`ContractError` text: the
cause a dead letter carries in its ``dlq-error`` header, in the hub's sentences
(`hub_contracts.validation_reasons`, the same the HTTP edge's 422 gives), never pydantic's (its
sentences quote the pattern, the wrong tag, the parser's detail)."""

from __future__ import annotations

from pydantic import ValidationError

from hub_contracts.validation_reasons import located

UNKNOWN_MEMBER = (
    "has a member that is not part of the contract (an unknown member's name is not repeated:"
    " it could be personal data; the contract's schema lists the members)"
)
"""The sentence for an object with a member its contract does not have."""


def describe_validation_error(error: ValidationError, whole: str = "the event") -> str:
    """One ``field '<path>' <sentence>`` per problem (``<whole> <sentence>`` for the value as a
    whole, e.g. ``the envelope``), joined with ``"; "``: field names and rules, never values
    and never an unknown member's name."""
    parts = located(error.errors(include_url=False), UNKNOWN_MEMBER)
    described = (f"field '{path}' {what}" if path else f"{whole} {what}" for path, what in parts)
    return "; ".join(dict.fromkeys(described))
