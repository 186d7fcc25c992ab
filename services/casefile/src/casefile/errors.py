"""Casefile's named refusals: subclasses of `hub_runtime.errors`, mapped to HTTP once by the edge.

Reasons name a field or a rule, never a submitted value or anything personal (they reach HTTP
bodies and logs).
"""

from collections.abc import Sequence
from uuid import UUID

from hub_runtime.errors import ConflictError, GoneError, InvalidError, NotFoundError

ERASED = "the person's data in this case was erased"


class PersonErasedGoneError(GoneError):
    """The person of the case was erased (HTTP 410 ``person_erased``): nothing of theirs can be
    read or changed any more (GDPR art. 17, crypto-shredding)."""

    default_code = "person_erased"

    def __init__(self) -> None:
        super().__init__(ERASED)


CASE_NOT_FOUND = "case_not_found"
"""The one code of an unknown case id, in casefile and referral alike."""


class CaseNotFoundError(NotFoundError):
    """No case with this id (HTTP 404 ``case_not_found``, the code referral answers for a case
    casefile never had; ``not_found`` before 2026-12-01)."""

    def __init__(self) -> None:
        super().__init__("the case", code=CASE_NOT_FOUND)


class CaseClosedError(ConflictError):
    """A write a closed case no longer takes (HTTP 409 ``case_closed``)."""

    default_code = "case_closed"

    def __init__(self) -> None:
        super().__init__(
            "the case is closed: it takes no new decision, bottleneck, options, effort,"
            " deadline, stage or change of its facts"
        )


class ImplausibleDateError(InvalidError):
    """A date no real case has (HTTP 422): ``date_in_future``, ``date_implausible``,
    ``date_before_case``, ``date_before_birth``, ``date_out_of_order``,
    ``implausible_household_dates``. The reason names the field, never the date; ``fields``
    (the body's paths, e.g. ``household[0].date_of_birth``) with ``rule`` give the answer's
    ``reasons``, one ``path: rule`` per field, as a validation error's (a new user's trial
    found them empty)."""

    def __init__(
        self, reason: str, *, code: str, fields: Sequence[str] = (), rule: str = ""
    ) -> None:
        super().__init__(reason, code=code, reasons=[f"{field}: {rule}" for field in fields])


FUTURE_RULE = "lies in the future; it should be today or earlier (the council's day, Amsterdam)"
"""What a ``date_in_future`` reason says after the field's path."""
BEFORE_1900_RULE = "is before 1900; no date in a case lies that far back (a typing error?)"
"""What a ``date_implausible`` reason says after the field's path, for a day before 1900."""


class DeadlineRuleRefusedError(InvalidError):
    """A deadline no rule allows (HTTP 422 ``deadline_rule``, or ``no_departure_period``)."""

    default_code = "deadline_rule"


class ImpossibleTransitionError(ConflictError):
    """A stage change the procedure does not allow from the current stage (HTTP 409
    ``impossible_transition``; `casefile.domain.stages`)."""

    default_code = "impossible_transition"


class EntryNotFoundError(NotFoundError):
    """No timeline entry with this id in this case (HTTP 404 ``entry_not_found``)."""

    def __init__(self) -> None:
        super().__init__("the entry of this case", code="entry_not_found")


class EntryNotCorrectableError(InvalidError):
    """The entry exists but is not a decision or a stage change, whose dates alone can be
    corrected (HTTP 422 ``entry_not_correctable``)."""

    default_code = "entry_not_correctable"

    def __init__(self) -> None:
        super().__init__("only the date of a recorded decision or stage change can be corrected")


class PersonAlreadyKnownError(ConflictError):
    """The person (same normalised name and date of birth, by the blind index
    `casefile.domain.person_index`) already has an open case (HTTP 409
    ``person_already_known``); ``case_id`` in the body names it. Only staff who may open a
    case get this answer, and it names no personal value."""

    default_code = "person_already_known"

    def __init__(self, case_id: UUID) -> None:
        super().__init__(
            "a person with this name and date of birth already has an open case in the hub",
            extra={"case_id": str(case_id)},
        )
