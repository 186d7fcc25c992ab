"""The named refusals of signals, each a kind of `hub_runtime.errors.DomainError`.

The runtime maps them once: to HTTP statuses at the edge (`hub_runtime.http.HTTP_STATUS`), to
dead letters in the consumer (``code: reason`` in the ``dlq-error`` header). Reasons never echo
a requested table or dimension name, nor anything of an event but codes: a name typed by
mistake may be personal data.
"""

from hub_runtime.errors import (
    BadRequestError,
    ConflictError,
    DomainError,
    InvalidError,
    NotFoundError,
    UnauthenticatedError,
)


class ImplausiblePeriodError(InvalidError):
    """A period that is not a month from 2000-01 up to the current one, UTC (HTTP 422)."""

    default_code = "invalid_period"


class PeriodOpenError(ConflictError):
    """The period is not closed yet: nothing of it may be published or read (HTTP 409)."""

    default_code = "period_open"


class BudgetExhaustedError(ConflictError):
    """Publishing would spend more privacy budget than the period has left (HTTP 409)."""

    default_code = "budget_exhausted"


class _WordedNotFoundError(NotFoundError):
    """A 404 with its own sentence (`NotFoundError` words it as "<what> was not found")."""

    def __init__(self, reason: str) -> None:
        DomainError.__init__(self, reason)


class NotPublishedError(_WordedNotFoundError):
    """The period is closed but its release was not made yet (HTTP 404): only the publisher's
    schedule or an admin's POST makes one, never a read."""

    default_code = "not_published"


class TableNotAllowedError(_WordedNotFoundError):
    """A table name outside the catalogue's allowed cross-tabulations (HTTP 404)."""

    default_code = "table_not_allowed"


class TableNotReleasedError(_WordedNotFoundError):
    """An allowed table that the period's release does not hold (HTTP 404), e.g. the country
    table of a release made under noise."""

    default_code = "not_found"


class CrosstabNotAllowedError(BadRequestError):
    """Dimensions that make no allowed cross-tabulation (HTTP 400)."""

    default_code = "crosstab_not_allowed"


class NotAggregatedError(InvalidError):
    """An event the door refuses (an unknown code, an implausible month): dead-lettered at once,
    never counted."""

    default_code = "not_aggregated"


class SubjectMismatchError(InvalidError):
    """An event whose envelope subject is not its case id: dead-lettered at once (the subject
    travels in the clear, so anything else there may identify someone)."""

    default_code = "subject_not_case_id"


class SignInRefusedError(UnauthenticatedError):
    """A username and password that do not match an account (HTTP 401). One sentence for both
    causes: which usernames exist is not told."""

    default_code = "sign_in_refused"


class SessionEndedError(UnauthenticatedError):
    """No session, or one ended by sign-out, the idle timeout or the absolute timeout (401)."""

    default_code = "session_ended"


class TooManySignInsError(DomainError):
    """Too many failed sign-ins for this username lately (HTTP 429 with ``Retry-After``: the
    dashboard's pages map it, `signals.api.staff_pages`; the runtime's kinds have no 429)."""

    default_code = "too_many_sign_ins"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed sign-ins for this username; try again in {retry_after} seconds",
            extra={"retry_after": str(retry_after)},
        )
        self.retry_after = retry_after


class WeakCredentialsError(InvalidError):
    """A username or password that breaks the account rules (HTTP 422)."""

    default_code = "invalid_credentials"
