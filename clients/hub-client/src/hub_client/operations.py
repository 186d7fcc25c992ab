"""Every route the client calls, in one table: service, method, path, body and answer models.

The client's methods send through this table only, so the test that checks it against the
running services' OpenAPI documents (`hub_client_tests/test_models_match_documents.py`) covers
every call.
"""

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from hub_client import models as m

Service = Literal["casefile", "referral"]


@dataclass(frozen=True)
class Operation:
    """One route: ``path`` is a template (``{case_id}``...), ``status`` its success status;
    ``is_list``: the answer is a JSON array of ``answer``."""

    service: Service
    method: Literal["GET", "POST", "DELETE"]
    path: str
    body: type[BaseModel] | None
    answer: type[BaseModel]
    status: int
    is_list: bool = False
    keyed: bool = True

    @property
    def writes(self) -> bool:
        """A request that takes an Idempotency-Key: a POST that changes something (not a
        validate-only one) on a route that accepts a key (``keyed``). The others are safe to
        send again as they are: a read, or a change whose repeat is refused with a clear 409 or
        410 (a consent withdrawn twice, a review decided, a person erased)."""
        return self.method == "POST" and self.keyed and not self.path.endswith("/validate")


OPEN_CASE = Operation("casefile", "POST", "/cases", m.OpenCase, m.CaseRef, 201)
VALIDATE_CASE = Operation("casefile", "POST", "/cases/validate", m.OpenCase, m.CaseValidated, 200)
READ_CASE = Operation("casefile", "GET", "/cases/{case_id}", None, m.CaseView, 200)
CHANGE_STAGE = Operation(
    "casefile", "POST", "/cases/{case_id}/stage", m.ChangeStage, m.StageChanged, 200
)
RECORD_DECISION = Operation(
    "casefile", "POST", "/cases/{case_id}/decision", m.RecordDecision, m.DecisionRecorded, 201
)
RECORD_OPTIONS = Operation(
    "casefile", "POST", "/cases/{case_id}/options", m.RecordOptions, m.CaseRef, 201
)
RECORD_BOTTLENECK = Operation(
    "casefile",
    "POST",
    "/cases/{case_id}/bottlenecks",
    m.RecordBottleneck,
    m.BottleneckRecorded,
    201,
)
CORRECT_DATE = Operation(
    "casefile", "POST", "/cases/{case_id}/corrections", m.CorrectRecordedDate, m.DateCorrected, 201
)
# The body is one of three models (`m.ScheduleDeadline`); the table names the first, the
# document test checks all three are in the route's oneOf.
SCHEDULE_DEADLINE = Operation(
    "casefile",
    "POST",
    "/cases/{case_id}/deadlines",
    m.ScheduleExtension,
    m.DeadlineTracked,
    201,
    keyed=False,
)
ERASE_PERSON = Operation(
    "casefile", "DELETE", "/cases/{case_id}/person", None, m.PersonErased, 200, keyed=False
)
READ_TOMBSTONE = Operation("casefile", "GET", "/cases/{case_id}/erasure", None, m.Tombstone, 200)
GRANT_CONSENT = Operation(
    "referral", "POST", "/cases/{case_id}/consents", m.GrantConsent, m.ConsentOut, 201
)
READ_CONSENT = Operation("referral", "GET", "/consents/{consent_id}", None, m.ConsentOut, 200)
CONSENTS_OF_CASE = Operation(
    "referral", "GET", "/cases/{case_id}/consents", None, m.ConsentOut, 200, is_list=True
)
WITHDRAW_CONSENT = Operation(
    "referral", "POST", "/consents/{consent_id}/withdraw", None, m.ConsentOut, 200, keyed=False
)
REQUEST_REFERRAL = Operation(
    "referral", "POST", "/cases/{case_id}/referrals", m.RequestReferral, m.ReferralOut, 201
)
READ_REFERRAL = Operation("referral", "GET", "/referrals/{referral_id}", None, m.ReferralOut, 200)
REFERRALS_OF_CASE = Operation(
    "referral", "GET", "/cases/{case_id}/referrals", None, m.ReferralOut, 200, is_list=True
)
REVIEW_REFERRAL = Operation(
    "referral",
    "POST",
    "/referrals/{referral_id}/review",
    m.ReviewReferral,
    m.ReferralOut,
    200,
    keyed=False,
)

ALL: tuple[Operation, ...] = (
    OPEN_CASE,
    VALIDATE_CASE,
    READ_CASE,
    CHANGE_STAGE,
    RECORD_DECISION,
    RECORD_OPTIONS,
    RECORD_BOTTLENECK,
    CORRECT_DATE,
    SCHEDULE_DEADLINE,
    ERASE_PERSON,
    READ_TOMBSTONE,
    GRANT_CONSENT,
    READ_CONSENT,
    CONSENTS_OF_CASE,
    WITHDRAW_CONSENT,
    REQUEST_REFERRAL,
    READ_REFERRAL,
    REFERRALS_OF_CASE,
    REVIEW_REFERRAL,
)
