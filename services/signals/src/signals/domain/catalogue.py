"""The small, fixed set of tables signals may publish, and how each event feeds them.

Only these cross-tabulations exist: anything else (e.g. country x region) is refused, because
every extra dimension makes cells smaller and persons easier to single out. Country of origin
appears only in a one-dimensional table, and only when a setting allows it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hub_contracts import (
    BottleneckCategory,
    BottleneckObserved,
    DeadlineKind,
    DeadlinePassed,
    DeadlinePassedV2,
    DeclineReason,
    MonitoringOutcome,
    MonitoringReported,
    PartnerReportedStatus,
    PartnerType,
    ProcedureStage,
    RefusalCode,
    Region,
)
from hub_contracts.vocabulary import LocationType

TOTAL = "total"
"""Coordinate value of a marginal total (no vocabulary has a code named ``total``)."""

UNKNOWN = "unknown"

MONTHS_BUCKETS: tuple[tuple[int, int, str], ...] = (
    (0, 2, "0-2"),
    (3, 5, "3-5"),
    (6, 11, "6-11"),
    (12, 23, "12-23"),
    (24, 120, "24+"),
)
RESPONSE_DAYS_BUCKETS: tuple[tuple[int, int, str], ...] = (
    (0, 2, "0-2"),
    (3, 7, "3-7"),
    (8, 14, "8-14"),
    (15, 30, "15-30"),
    (31, 10**6, "31+"),
)
# Statuses whose response time is measured: the partner's first answer to a referral.
FIRST_ANSWERS = frozenset({PartnerReportedStatus.ACCEPTED, PartnerReportedStatus.DECLINED})


@dataclass(frozen=True)
class Dimension:
    """A dimension and its values; ``values`` is None for an open set (country codes)."""

    name: str
    values: tuple[str, ...] | None


@dataclass(frozen=True)
class TableSpec:
    """One publishable table: its name (the API's and the event's), a title for people, its
    one or two dimensions, and whether it exists only when the country setting allows it."""

    name: str
    title: str
    dimensions: tuple[Dimension, ...]
    needs_country_setting: bool = False

    @property
    def dimension_names(self) -> tuple[str, ...]:
        """The dimensions' names, in the table's order (the order of a cell's key)."""
        return tuple(d.name for d in self.dimensions)


def _values(*enums: type[StrEnum]) -> tuple[str, ...]:
    """Every code of the closed vocabularies ``enums``, in their declared order."""
    return tuple(str(member) for enum in enums for member in enum)


def _buckets(table: tuple[tuple[int, int, str], ...]) -> tuple[str, ...]:
    return tuple(label for _, _, label in table)


CATEGORY = Dimension("category", _values(BottleneckCategory))
TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "bottlenecks_by_stage",
            "Bottlenecks by category and procedure stage",
            (CATEGORY, Dimension("stage", _values(ProcedureStage))),
        ),
        TableSpec(
            "bottlenecks_by_region",
            "Bottlenecks by category and region",
            (CATEGORY, Dimension("region", _values(Region))),
        ),
        TableSpec(
            "bottlenecks_by_location",
            "Bottlenecks by category and location type",
            (CATEGORY, Dimension("location_type", _values(LocationType))),
        ),
        TableSpec(
            "bottlenecks_by_country",
            "Persons with a bottleneck by country of origin",
            (Dimension("country", None),),
            needs_country_setting=True,
        ),
        TableSpec(
            "refusals_by_reason",
            "Refused referrals by reason",
            (Dimension("reason", _values(RefusalCode)),),
        ),
        TableSpec(
            "partner_responses",
            "Partner responses by status and partner type",
            (
                Dimension("status", _values(PartnerReportedStatus)),
                Dimension("partner_type", (*_values(PartnerType), UNKNOWN)),
            ),
        ),
        TableSpec(
            "partner_declines_by_reason",
            "Partner declines by reason",
            # The closed DeclineReason only (a v1 open code is counted as `other`, never as
            # itself); `unknown` when the partner gave no reason.
            (Dimension("reason", (*_values(DeclineReason), UNKNOWN)),),
        ),
        TableSpec(
            "partner_response_times",
            "Partner first answers by answer and days since approval",
            (
                Dimension("status", tuple(sorted(str(s) for s in FIRST_ANSWERS))),
                Dimension("response_days", (*_buckets(RESPONSE_DAYS_BUCKETS), UNKNOWN)),
            ),
        ),
        TableSpec(
            "monitoring_outcomes",
            "Post-return monitoring outcomes by months after return",
            (
                Dimension("outcome", _values(MonitoringOutcome)),
                Dimension("months_after_return", _buckets(MONTHS_BUCKETS)),
            ),
        ),
        TableSpec(
            "deadlines_missed",
            "Time limits that passed, by kind",
            (Dimension("kind", _values(DeadlineKind)),),
        ),
    )
}
LINKED_BY_CATEGORY = ("bottlenecks_by_stage", "bottlenecks_by_region", "bottlenecks_by_location")
"""Tables that share the category margin: their category totals are suppressed together."""


class NotAllowedError(ValueError):
    """An event or a request that the catalogue refuses (message safe to show and log)."""


def allowed_tables(allow_country: bool) -> dict[str, TableSpec]:
    """The tables that exist under the country setting, by name, in catalogue order."""
    return {n: s for n, s in TABLES.items() if allow_country or not s.needs_country_setting}


def table_for_dimensions(dimensions: Sequence[str], allow_country: bool) -> TableSpec:
    """The one allowed table with exactly these dimensions, in any order, or
    :class:`NotAllowedError`.

    The order does not matter because both orders are the same published table (returned in its
    own order), so accepting either reveals nothing more. The error lists the allowed
    cross-tabulations and never the requested names: they may be personal data typed by mistake.
    """
    wanted = sorted(dimensions)
    tables = allowed_tables(allow_country).values()
    for spec in tables:
        if sorted(spec.dimension_names) == wanted:
            return spec
    allowed = "; ".join(",".join(s.dimension_names) for s in tables)
    raise NotAllowedError(f"this cross-tabulation is not allowed; allowed: {allowed}")


@dataclass(frozen=True)
class Contribution:
    """One cell a person contributes to: a table and one value per dimension."""

    table: str
    coordinates: tuple[tuple[str, str], ...]

    @functools.cached_property  # asked for several times per event on the consumer's path
    def cell_key(self) -> str:
        """``dim=value|dim=value``: the cell's identity within its table."""
        return "|".join(f"{d}={v}" for d, v in self.coordinates)

    @property
    def coordinates_json(self) -> str:
        """The coordinates as a JSON object (dimension -> value), as stored."""
        return _coordinates_json(self.coordinates)


@functools.lru_cache(maxsize=4096)  # a catalogue has few cells; most events repeat them
def _coordinates_json(coordinates: tuple[tuple[str, str], ...]) -> str:
    return json.dumps(dict(coordinates))


def _cell(table: str, **coordinates: str) -> Contribution:
    spec = TABLES[table]
    for dimension in spec.dimensions:
        value = coordinates[dimension.name]
        if dimension.values is not None and value not in dimension.values:
            raise NotAllowedError(f"{table}: unknown {dimension.name} code")
    return Contribution(table, tuple((d.name, coordinates[d.name]) for d in spec.dimensions))


def _bucket(value: int, buckets: tuple[tuple[int, int, str], ...]) -> str:
    for low, high, label in buckets:
        if low <= value <= high:
            return label
    raise NotAllowedError("value outside every bucket")


def from_bottleneck(event: BottleneckObserved, allow_country: bool) -> list[Contribution]:
    """The category by stage, by region and by location type (and the country of origin when
    ``allow_country``). Raises `NotAllowedError` for a code outside the vocabularies."""
    category = str(event.category)
    if category not in (CATEGORY.values or ()):
        raise NotAllowedError("unknown bottleneck category")
    cells = [
        _cell("bottlenecks_by_stage", category=category, stage=str(event.stage)),
        _cell("bottlenecks_by_region", category=category, region=str(event.region)),
        _cell("bottlenecks_by_location", category=category, location_type=str(event.location_type)),
    ]
    if allow_country:
        cells.append(_cell("bottlenecks_by_country", country=event.country_of_origin))
    return cells


def from_deadline(event: DeadlinePassed | DeadlinePassedV2) -> list[Contribution]:
    """The kind of time limit that passed. Raises `NotAllowedError` for an unknown kind."""
    return [_cell("deadlines_missed", kind=str(event.kind))]


def from_refusal_codes(codes: Sequence[RefusalCode]) -> list[Contribution]:
    """One cell per distinct refusal code, sorted. Raises `NotAllowedError` for an unknown
    code."""
    return [_cell("refusals_by_reason", reason=str(code)) for code in sorted(set(codes))]


def decline_reason(code: str | None) -> DeclineReason | None:
    """A PartnerStatusReported.v1 open reason code as a closed DeclineReason: itself when it is
    one, else ``other`` (the open pattern could carry a name or a diagnosis); None for none."""
    if code is None:
        return None
    try:
        return DeclineReason(code)
    except ValueError:
        return DeclineReason.OTHER


def from_partner_status(
    status: PartnerReportedStatus,
    partner_type: str | None,
    approved_at: datetime | None,
    reported_at: datetime,
    reason: DeclineReason | None = None,
) -> list[Contribution]:
    """A partner's report: its status by partner type, a decline's closed reason, and a first
    answer's days since approval."""
    cells = [_cell("partner_responses", status=str(status), partner_type=partner_type or UNKNOWN)]
    if status in FIRST_ANSWERS:
        days = UNKNOWN
        if approved_at is not None:
            days = _bucket(max(0, (reported_at - approved_at).days), RESPONSE_DAYS_BUCKETS)
        cells.append(_cell("partner_response_times", status=str(status), response_days=days))
    if status is PartnerReportedStatus.DECLINED:
        label = UNKNOWN if reason is None else str(DeclineReason(reason))
        cells.append(_cell("partner_declines_by_reason", reason=label))
    return cells


def from_monitoring(event: MonitoringReported) -> list[Contribution]:
    """One cell per distinct outcome, by months after return (bucketed). Raises
    `NotAllowedError` for an unknown outcome or a month count outside every bucket."""
    months = _bucket(event.months_after_return, MONTHS_BUCKETS)
    return [
        _cell("monitoring_outcomes", outcome=str(outcome), months_after_return=months)
        for outcome in sorted(set(event.outcomes))
    ]


def admit(
    existing: set[tuple[str, str]], proposed: Sequence[Contribution], cap: int
) -> list[Contribution]:
    """The proposed cells a person may still join this period.

    A cell the person is already in is dropped (at most once per cell); new cells are taken in
    order until the person is in ``cap`` cells. Dropping beyond the cap bounds what one person
    can weigh in the tables (and the sensitivity of the optional noise).
    """
    room = cap - len(existing)
    fresh: list[Contribution] = []
    seen = set(existing)
    for contribution in proposed:
        key = (contribution.table, contribution.cell_key)
        if key not in seen:
            seen.add(key)
            fresh.append(contribution)
    return fresh[: max(0, room)]
