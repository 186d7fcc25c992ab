"""Turns pydantic validation errors into readable, value-free :class:`ContractError` text."""

from __future__ import annotations

from pydantic import ValidationError
from pydantic_core import ErrorDetails


def _location(error: ErrorDetails) -> str:
    parts: list[str] = []
    for item in error["loc"]:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(f".{item}" if parts else str(item))
    return "".join(parts) or "(root)"


def _describe(error: ErrorDetails) -> str:
    # Deliberately leaves out error["input"]: the offending value might be personal data.
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"field '{_location(error)}' is not part of the contract"
    if kind == "missing":
        return f"field '{_location(error)}' is required"
    return f"field '{_location(error)}': {error['msg']}"


def describe_validation_error(error: ValidationError) -> str:
    """One line per problem, joined with ``"; "``; field names and rules, never values."""
    return "; ".join(_describe(item) for item in error.errors(include_input=False))
