"""The lifecycle table, partner reports against it, and the checks on a new consent."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from hub_contracts import DataCategory, PartnerReportedStatus, PartnerType, Purpose
from referral.domain import lifecycle
from referral.domain.consent_rules import NewConsent, consent_problems
from referral.domain.lifecycle import Verdict
from referral.domain.model import Consent, Partner, Referral, Status

PARTNER = UUID(int=10)
TODAY = date(2026, 6, 15)
NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


def referral(status: Status) -> Referral:
    return Referral(
        UUID(int=5),
        UUID(int=1),
        PARTNER,
        Purpose.RETURN_COUNSELLING,
        frozenset({DataCategory.IDENTITY}),
        UUID(int=100),
        status,
    )


def test_the_happy_path_is_allowed_step_by_step() -> None:
    path = [
        Status.REQUESTED,
        Status.APPROVED,
        Status.DELIVERED,
        Status.ACCEPTED,
        Status.IN_PROGRESS,
        Status.COMPLETED,
    ]
    for current, target in itertools.pairwise(path):
        assert lifecycle.can_move(current, target)


def test_terminal_statuses_lead_nowhere() -> None:
    for status in lifecycle.TERMINAL:
        assert lifecycle.ALLOWED[status] == frozenset()


@pytest.mark.parametrize(
    ("current", "reported", "verdict", "steps"),
    [
        (Status.DELIVERED, PartnerReportedStatus.ACCEPTED, Verdict.APPLY, (Status.ACCEPTED,)),
        (
            Status.APPROVED,
            PartnerReportedStatus.ACCEPTED,
            Verdict.APPLY,
            (Status.DELIVERED, Status.ACCEPTED),
        ),
        (Status.DELIVERED, PartnerReportedStatus.DECLINED, Verdict.APPLY, (Status.DECLINED,)),
        (Status.ACCEPTED, PartnerReportedStatus.IN_PROGRESS, Verdict.APPLY, (Status.IN_PROGRESS,)),
        (Status.IN_PROGRESS, PartnerReportedStatus.COMPLETED, Verdict.APPLY, (Status.COMPLETED,)),
        (Status.WITHDRAWN, PartnerReportedStatus.ACCEPTED, Verdict.IGNORE, ()),
        (Status.EXPIRED, PartnerReportedStatus.ACCEPTED, Verdict.IGNORE, ()),
        (Status.ACCEPTED, PartnerReportedStatus.ACCEPTED, Verdict.IGNORE, ()),
        (Status.IN_PROGRESS, PartnerReportedStatus.DEPARTED, Verdict.IGNORE, ()),
        (Status.DELIVERED, PartnerReportedStatus.COMPLETED, Verdict.REJECT, ()),
        (Status.REFUSED, PartnerReportedStatus.ACCEPTED, Verdict.REJECT, ()),
        (Status.AWAITING_REVIEW, PartnerReportedStatus.ACCEPTED, Verdict.REJECT, ()),
        (Status.DECLINED, PartnerReportedStatus.IN_PROGRESS, Verdict.REJECT, ()),
    ],
)
def test_partner_reports_follow_the_lifecycle(
    current: Status, reported: PartnerReportedStatus, verdict: Verdict, steps: tuple[Status, ...]
) -> None:
    step = lifecycle.on_partner_status(referral(current), PARTNER, reported)
    assert (step.verdict, step.steps) == (verdict, steps)


def test_a_report_from_another_partner_is_rejected() -> None:
    step = lifecycle.on_partner_status(
        referral(Status.DELIVERED), UUID(int=99), PartnerReportedStatus.ACCEPTED
    )
    assert step.verdict is Verdict.REJECT


def test_deliveries() -> None:
    assert lifecycle.on_delivered(referral(Status.APPROVED), PARTNER).steps == (Status.DELIVERED,)
    assert lifecycle.on_delivered(referral(Status.ACCEPTED), PARTNER).verdict is Verdict.IGNORE
    assert lifecycle.on_delivered(referral(Status.REFUSED), PARTNER).verdict is Verdict.REJECT


def iom(**changes: object) -> Partner:
    values: dict[str, object] = {
        "partner_id": PARTNER,
        "name": "IOM",
        "partner_type": PartnerType.INTERGOVERNMENTAL,
        "countries": ("NL",),
        "services": (),
        "purposes": frozenset({Purpose.RETURN_COUNSELLING}),
        "agreement_reference": "DSA",
        "agreement_valid_from": None,
        "agreement_valid_until": TODAY + timedelta(days=99),
        "active": True,
    }
    return Partner(**{**values, **changes})  # type: ignore[arg-type]


def new(**changes: object) -> NewConsent:
    values: dict[str, object] = {
        "case_id": UUID(int=1),
        "partner_id": PARTNER,
        "purposes": frozenset({Purpose.RETURN_COUNSELLING}),
        "data_categories": frozenset({DataCategory.IDENTITY}),
        "valid_from": TODAY,
        "valid_until": TODAY + timedelta(days=30),
        "taken_at": NOW,
        "informed_transfer_outside_eu": False,
    }
    return NewConsent(**{**values, **changes})  # type: ignore[arg-type]


def codes(
    candidate: NewConsent, partner: Partner, existing: list[Consent] | None = None
) -> list[str]:
    return [p.code for p in consent_problems(candidate, partner, existing or [], TODAY, NOW)]


def test_a_sound_consent_has_no_problem() -> None:
    assert codes(new(), iom()) == []


def test_each_bad_consent_says_why() -> None:
    assert codes(new(valid_from=TODAY - timedelta(days=1)), iom()) == ["backdated_consent"]
    assert codes(new(valid_until=TODAY - timedelta(days=1)), iom()) == ["invalid_period"]
    assert codes(new(purposes=frozenset({Purpose.TRAVEL_DOCUMENTS})), iom()) == [
        "purpose_not_allowed_for_partner"
    ]
    assert codes(new(), iom(partner_type=PartnerType.AUTHORITY_ORIGIN)) == [
        "partner_origin_authority"
    ]
    assert codes(new(), iom(countries=("NL", "IQ"))) == ["not_informed_transfer_outside_eu"]
    assert codes(new(taken_at=NOW + timedelta(hours=1)), iom()) == ["taken_in_future"]
    assert codes(new(interpreter_used=True), iom()) == ["interpreter_reference_missing"]
    assert codes(new(interpreter_used=True, interpreter_reference="TVCG-1"), iom()) == []
    assert codes(new(interpreter_reference="TVCG-1"), iom()) == [
        "interpreter_reference_without_interpreter"
    ]


def test_only_an_origin_authority_is_a_forbidden_partner() -> None:
    """403 partner_origin_authority, as in every service; a purpose the partner may not serve
    stays 422 (the request's content)."""
    authority = iom(partner_type=PartnerType.AUTHORITY_ORIGIN)
    problems = consent_problems(
        new(valid_from=TODAY - timedelta(days=1)), authority, [], TODAY, NOW
    )
    assert [(p.code, p.forbidden) for p in problems] == [
        ("partner_origin_authority", True),
        ("backdated_consent", False),
    ]
    purpose = consent_problems(
        new(purposes=frozenset({Purpose.TRAVEL_DOCUMENTS})), iom(), [], TODAY, NOW
    )
    assert [p.forbidden for p in purpose] == [False]


def test_an_overlapping_consent_for_the_same_partner_and_purpose_conflicts() -> None:
    existing = Consent(
        UUID(int=100),
        UUID(int=1),
        PARTNER,
        frozenset({Purpose.RETURN_COUNSELLING}),
        frozenset({DataCategory.CONTACT}),
        TODAY + timedelta(days=20),
        TODAY + timedelta(days=60),
        None,
    )
    assert codes(new(), iom(), [existing]) == ["overlapping_consent"]
    later = new(valid_from=TODAY + timedelta(days=61), valid_until=TODAY + timedelta(days=70))
    assert codes(later, iom(), [existing]) == []
    withdrawn = Consent(**{**existing.__dict__, "withdrawn_at": NOW})
    assert codes(new(), iom(), [withdrawn]) == []
