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


_CLOSED_MESSAGES = {
    # pydantic-core's own sentence quotes the first character it could not read ("found `m`
    # at 1"): a character of whatever was typed, possibly of a name. RFC 9562 §4 gives the form.
    "uuid_parsing": "should be a UUID (RFC 9562): 32 hexadecimal digits in groups of 8-4-4-4-12",
    "uuid_type": "should be a UUID written as text (RFC 9562)",
}


def _describe(error: ErrorDetails) -> str:
    # Deliberately leaves out error["input"]: the offending value might be personal data.
    kind = error["type"]
    if kind in _CLOSED_MESSAGES:
        return f"field '{_location(error)}' {_CLOSED_MESSAGES[kind]}"
    if kind == "extra_forbidden":
        return f"field '{_location(error)}' is not part of the contract"
    if kind == "missing":
        return f"field '{_location(error)}' is required"
    return f"field '{_location(error)}': {error['msg']}"


def describe_validation_error(error: ValidationError) -> str:
    """One line per problem, joined with ``"; "``; field names and rules, never values."""
    return "; ".join(_describe(item) for item in error.errors(include_input=False))
