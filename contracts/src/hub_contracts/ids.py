"""A UUID as the HTTP layer accepts it: in its one canonical form, or a 422 that says so.

The hub writes every id it hands out as RFC 9562 section 4's canonical text: 32 lower-case
hexadecimal digits in groups of 8-4-4-4-12 (``0b3e7c1a-5d2f-4c1e-9a7b-2f8e6d4c3b1a``). Python's
`uuid.UUID` (and pydantic's ``UUID``) also reads upper case, braces, ``urn:uuid:`` and the digits
without hyphens, so one id had several spellings: a path held one resource under several
addresses, and a body or a query took a form the hub itself never writes. :data:`CanonicalUuid`
is the one type of an id the hub reads over HTTP: a path (`hub_runtime.path_ids.PathId`), a
query parameter, a field of a request body. Any other form is refused with the validation error
type :data:`NOT_CANONICAL`, whose sentence (`hub_runtime.validation_reasons`) says what is
expected and never quotes the value.

Not for event or command contracts read from Kafka (their committed schemas stay as they are,
and the hub writes their ids itself), nor for documents in another standard's format (an HSDS
import's ids are its publisher's).
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
"""The validation error type of an id in another form."""


def _canonical(value: Any) -> Any:
    """Refuse text that is not :data:`CANONICAL_UUID` (matched whole); a `uuid.UUID` (a model
    built in code) and any other type pass to pydantic's own UUID check."""
    if isinstance(value, str) and CANONICAL_UUID.fullmatch(value) is None:
        raise PydanticCustomError(NOT_CANONICAL, "should be a UUID in its canonical form")
    return value


CanonicalUuid = Annotated[
    UUID,
    BeforeValidator(_canonical),
    WithJsonSchema({"type": "string", "format": "uuid", "pattern": f"^{CANONICAL_UUID.pattern}$"}),
]
"""An id read over HTTP: `uuid.UUID` once read, only its canonical text accepted."""
