"""What happens at the door: tokens per period, coarse cells, the per-person cap, refusals."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from hub_contracts import (
    BottleneckObserved,
    DeadlineKind,
    DeadlinePassed,
    DeadlinePassedV2,
    MonitoringOutcome,
    PartnerReportedStatus,
    RefusalCode,
    RefusalCodeV1,
)
from hub_contracts.examples import EXAMPLES
from signals.domain import catalogue
from signals.domain.catalogue import NotAllowedError, admit, table_for_dimensions
from signals.domain.periods import is_closed, period_of, periods_between
from signals.domain.pseudonyms import person_token


def bottleneck(**changes: object) -> BottleneckObserved:
    example = EXAMPLES[BottleneckObserved]()
    assert isinstance(example, BottleneckObserved)
    return example.model_copy(update=changes)


def test_tokens_are_stable_within_a_period_and_unlinkable_across_periods() -> None:
    key, case = b"k" * 32, uuid.uuid4()
    assert person_token(key, "2025-01", case) == person_token(key, "2025-01", case)
    assert person_token(key, "2025-01", case) != person_token(key, "2025-02", case)
    assert person_token(key, "2025-01", case) != person_token(b"x" * 32, "2025-01", case)
    assert str(case) not in person_token(key, "2025-01", case)


def test_a_bottleneck_feeds_three_tables_and_country_only_when_allowed() -> None:
    cells = catalogue.from_bottleneck(bottleneck(), allow_country=False)
    assert [c.table for c in cells] == [
        "bottlenecks_by_stage",
        "bottlenecks_by_region",
        "bottlenecks_by_location",
    ]
    with_country = catalogue.from_bottleneck(bottleneck(), allow_country=True)
    assert with_country[-1].coordinates == (("country", bottleneck().country_of_origin),)


def test_an_unknown_category_is_refused() -> None:
    # model_construct skips validation: this is what a newer producer's category looks like.
    event = BottleneckObserved.model_construct(**{**bottleneck().__dict__, "category": "new"})
    with pytest.raises(NotAllowedError, match="unknown bottleneck category"):
        catalogue.from_bottleneck(event, allow_country=False)


def test_a_person_joins_each_cell_once_and_at_most_cap_cells() -> None:
    cells = [*catalogue.from_refusal_codes(list(RefusalCode))]
    assert len(cells) == len(RefusalCode)
    first = admit(set(), cells, cap=4)
    assert len(first) == 4
    existing = {(c.table, c.cell_key) for c in first}
    assert admit(existing, first, cap=10) == []  # already in those cells
    assert len(admit(existing, cells, cap=6)) == 2  # room for two more


def test_buckets_of_monitoring_and_response_times() -> None:
    monitoring = EXAMPLES[next(t for t in EXAMPLES if t.__name__ == "MonitoringReported")]()
    update = {"months_after_return": 14, "outcomes": [MonitoringOutcome.SAFETY_CONCERN]}
    cells = catalogue.from_monitoring(monitoring.model_copy(update=update))  # type: ignore[arg-type]
    assert cells[0].coordinates == (("outcome", "safety_concern"), ("months_after_return", "12-23"))
    approved = datetime(2025, 1, 1, tzinfo=UTC)
    answered = datetime(2025, 1, 10, tzinfo=UTC)
    response = catalogue.from_partner_status(
        PartnerReportedStatus.DECLINED, "ngo", approved, answered
    )
    assert response[1].coordinates == (("status", "declined"), ("response_days", "8-14"))
    unknown = catalogue.from_partner_status(PartnerReportedStatus.ACCEPTED, None, None, answered)
    assert unknown[0].coordinates[1] == ("partner_type", "unknown")
    assert (
        len(catalogue.from_partner_status(PartnerReportedStatus.DEPARTED, "ngo", None, answered))
        == 1
    )


def test_only_allowed_cross_tabulations_exist() -> None:
    assert table_for_dimensions(["category", "region"], False).name == "bottlenecks_by_region"
    with pytest.raises(NotAllowedError, match="not allowed"):
        table_for_dimensions(["country", "region"], True)
    with pytest.raises(NotAllowedError):
        table_for_dimensions(["country"], False)  # country needs the setting
    assert table_for_dimensions(["country"], True).name == "bottlenecks_by_country"
    assert catalogue.from_deadline(
        EXAMPLES[next(t for t in EXAMPLES if t.__name__ == "DeadlinePassed")]()  # type: ignore[arg-type]
    )[0].coordinates == (("kind", str(DeadlineKind.DEPARTURE_PERIOD)),)


def test_either_order_of_an_allowed_pair_is_the_same_table() -> None:
    assert table_for_dimensions(["stage", "category"], False).name == "bottlenecks_by_stage"
    assert table_for_dimensions(["category", "stage"], False).name == "bottlenecks_by_stage"
    with pytest.raises(NotAllowedError):
        table_for_dimensions(["category", "category"], False)


def test_a_refused_cross_tabulation_lists_the_allowed_ones_and_never_echoes_the_request() -> None:
    with pytest.raises(NotAllowedError) as refused:
        table_for_dimensions(["category", "SECRETNAME"], False)
    message = str(refused.value)
    assert "SECRETNAME" not in message
    assert "allowed: category,stage; category,region" in message


def test_a_month_closes_after_its_end_plus_grace() -> None:
    assert period_of(date(2025, 12, 31)) == "2025-12"
    assert not is_closed("2025-12", datetime(2026, 1, 5, 23, 59, tzinfo=UTC), grace_days=5)
    assert is_closed("2025-12", datetime(2026, 1, 6, tzinfo=UTC), grace_days=5)
    assert periods_between(date(2025, 11, 20), date(2026, 2, 1)) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]


def test_both_versions_of_a_passed_deadline_count_by_kind() -> None:
    for cls in (DeadlinePassed, DeadlinePassedV2):
        event = EXAMPLES[cls]()
        assert isinstance(event, DeadlinePassed | DeadlinePassedV2)
        cells = catalogue.from_deadline(event)
        assert [(c.table, c.coordinates) for c in cells] == [
            ("deadlines_missed", (("kind", str(event.kind)),))
        ]


def test_the_refusal_table_knows_every_code_of_both_versions() -> None:
    (reason,) = catalogue.TABLES["refusals_by_reason"].dimensions
    assert reason.values is not None
    assert "refused_at_review" in reason.values
    assert {str(code) for code in RefusalCodeV1} < set(reason.values)
