"""Ids in a URL path: a UUID in its one canonical form, or a 422 that says so.

A path id is `PathId`, the hub's one type of an id read over HTTP
(`hub_contracts.ids.CanonicalUuid`, also the type of ids in query parameters and request
bodies): ``/cases/{ID}``, ``/cases/{id}`` and ``/cases/urn:uuid:{id}`` were one resource under
several addresses. Any other form is refused like any malformed id in a path (422
``invalid_request``, reason ``path.<name>: should be a UUID in its canonical form ...``,
`hub_runtime.validation_reasons`), never quoted.
"""

from hub_contracts.ids import CANONICAL_UUID, NOT_CANONICAL, CanonicalUuid

__all__ = ["CANONICAL_UUID", "NOT_CANONICAL", "PathId"]

PathId = CanonicalUuid
"""A UUID path parameter: `uuid.UUID` once read, only its canonical text accepted."""
