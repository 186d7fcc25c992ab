"""Errors the shared machinery understands: named domain errors, mapped once.

A handler raises a `DomainError` subclass that says *what kind* of refusal it is, with a stable
``code`` and a sentence for people; it never chooses an HTTP status or a retry policy. The
mapping happens once, at each edge:
- HTTP (`hub_runtime.http`): `Refusal` -> status, body in the hub's one error shape;
- consumers (`hub_runtime.consumer`): `NotYetKnownError` is retried with backoff (the message is
  fine, a fact it needs has not arrived yet), every other `DomainError` is dead-lettered at once
  with ``code: reason`` in its ``dlq-error`` header (retrying cannot help).

Reasons and ``extra`` values must never contain personal data: they end up in HTTP bodies,
dead-letter headers and logs.
"""

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import ClassVar

import asyncpg
from aiokafka.errors import KafkaError


class Refusal(StrEnum):
    """What kind of refusal a domain error is (its HTTP status is chosen from this, once)."""

    INVALID = "invalid"  # the message breaks a rule about its own content
    BAD_REQUEST = "bad_request"  # a protocol detail is malformed (e.g. an Idempotency-Key)
    UNAUTHENTICATED = "unauthenticated"  # the caller could not be identified
    FORBIDDEN = "forbidden"  # the caller is known and may not do this
    NOT_FOUND = "not_found"  # the subject does not exist (for this caller)
    CONFLICT = "conflict"  # the subject's current state refuses it
    GONE = "gone"  # the subject existed and is gone for good (erased, consent withdrawn)
    NOT_YET_KNOWN = "not_yet_known"  # a fact it needs is still on its way: try again soon
    UNAVAILABLE = "unavailable"  # a dependency is down: try again later
    TOO_LARGE = "too_large"  # more content than the request may carry (a form's field count)
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"  # a body of a type the route does not read


class DomainError(Exception):
    """A request or event the rules refuse.

    ``reason``: one sentence for people, no personal data. ``code``: a stable snake_case code
    clients branch on. ``extra``: further fields of the error body beside ``error`` and
    ``detail`` (ids that help the caller, e.g. the existing record a conflict names; never
    personal data). ``reasons``: for invalid input, one ``field.path: what is wrong`` per fault
    (the form of the validation reasons, `hub_runtime.validation_reasons`), so a client can tell
    which field to correct; empty when the refusal is not about one field. Subclasses fix
    ``refusal``; a plain ``DomainError`` is a conflict.
    """

    refusal: ClassVar[Refusal] = Refusal.CONFLICT
    default_code: ClassVar[str] = "refused"

    def __init__(
        self,
        reason: str,
        *,
        code: str | None = None,
        extra: Mapping[str, str] | None = None,
        reasons: Sequence[str] = (),
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code or self.default_code
        self.extra: dict[str, str] = dict(extra or {})
        self.reasons: tuple[str, ...] = tuple(reasons)


class InvalidError(DomainError):
    """The message's content breaks a rule (HTTP 422)."""

    refusal = Refusal.INVALID
    default_code = "invalid_request"


class BadRequestError(DomainError):
    """A protocol detail of the request is malformed (HTTP 400)."""

    refusal = Refusal.BAD_REQUEST
    default_code = "bad_request"


class UnauthenticatedError(DomainError):
    """The caller could not be identified (HTTP 401)."""

    refusal = Refusal.UNAUTHENTICATED
    default_code = "unauthenticated"


class ForbiddenError(DomainError):
    """The caller may not do this (HTTP 403)."""

    refusal = Refusal.FORBIDDEN
    default_code = "forbidden"


class NotFoundError(DomainError):
    """The subject does not exist for this caller (HTTP 404). ``what``: e.g. ``"case 3f…"``."""

    refusal = Refusal.NOT_FOUND
    default_code = "not_found"

    def __init__(self, what: str, *, code: str | None = None) -> None:
        super().__init__(f"{what} was not found", code=code)


class ConflictError(DomainError):
    """The subject's current state refuses the change (HTTP 409)."""

    refusal = Refusal.CONFLICT


class GoneError(DomainError):
    """The subject is gone for good, e.g. the person was erased (HTTP 410)."""

    refusal = Refusal.GONE
    default_code = "gone"


class NotYetKnownError(DomainError):
    """A fact the message needs has not reached this service yet (HTTP 409; a consumer retries
    it with backoff and dead-letters it only after its last attempt)."""

    refusal = Refusal.NOT_YET_KNOWN
    default_code = "not_yet_known"


class UnavailableError(DomainError):
    """A dependency is down; the same request may pass later (HTTP 503)."""

    refusal = Refusal.UNAVAILABLE
    default_code = "unavailable"


class TooLargeError(DomainError):
    """The request carries more than it may (HTTP 413), found after the edge's size limit, e.g.
    a form with more fields than any page has. Its code is the edge's own for a body too large
    (``payload_too_large``), so the pages' sentences for that code apply."""

    refusal = Refusal.TOO_LARGE
    default_code = "payload_too_large"


class UnsupportedMediaTypeError(DomainError):
    """The body is of a type the route does not read (HTTP 415), found after the edge, which
    lets both JSON and forms through under a page prefix: e.g. JSON sent to a staff page's
    form. Its code is the edge's own (``unsupported_media_type``), so the pages' sentences for
    that code apply."""

    refusal = Refusal.UNSUPPORTED_MEDIA_TYPE
    default_code = "unsupported_media_type"


class PermanentEventError(Exception):
    """An event that can never be applied (retrying will not help): it goes to the dead letters.

    The message must be readable by a person and must not contain personal data.
    """


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OSError, TimeoutError, ConnectionError)
"""Infrastructure failures: retried without limit, never dead-lettered (the event is fine)."""


INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (
    *TRANSIENT_ERRORS,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    # A deadlock or serialization failure with a concurrent transaction (another partition's
    # batch, an HTTP request): the event is fine, the next attempt will most likely pass.
    asyncpg.TransactionRollbackError,
    KafkaError,
)
"""What a consumer retries without limit: the database or Kafka, not the event, failed."""
