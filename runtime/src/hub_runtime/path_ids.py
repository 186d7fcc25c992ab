"""Ids in a URL path: a UUID in its one canonical form, or a 422 that says so.

The hub writes every id it hands out as RFC 9562 section 4's canonical text: 32 lower-case
hexadecimal digits in groups of 8-4-4-4-12 (``0b3e7c1a-5d2f-4c1e-9a7b-2f8e6d4c3b1a``). Python's
`uuid.UUID` also reads upper case, braces, ``urn:uuid:`` and the digits without hyphens, so
``/cases/{ID}``, ``/cases/{id}`` and ``/cases/urn:uuid:{id}`` were one resource under several
addresses. A path id is `PathId`: any other form is refused like any malformed id in a path
(422 ``invalid_request``, reason ``path.<name>: should be a UUID in its canonical form ...``,
`hub_runtime.validation_reasons`), never quoted.
"""

import re
from typing import Annotated, Any
from uuid import UUID

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

CANONICAL_UUID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.ASCII
)
"""RFC 9562 section 4's text form, lower case (as `str(uuid.UUID)` writes it)."""

NOT_CANONICAL = "uuid_not_canonical"
"""The validation error type of a path id in another form (its sentence is
`hub_runtime.validation_reasons`')."""


def _canonical(value: Any) -> Any:
    if isinstance(value, str) and CANONICAL_UUID.fullmatch(value) is None:
        raise PydanticCustomError(NOT_CANONICAL, "should be a UUID in its canonical form")
    return value


PathId = Annotated[
    UUID,
    BeforeValidator(_canonical),
    WithJsonSchema({"type": "string", "format": "uuid", "pattern": f"^{CANONICAL_UUID.pattern}$"}),
]
"""A UUID path parameter: `uuid.UUID` once read, only its canonical text accepted."""
