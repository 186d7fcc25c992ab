"""Events published by the signals service on ``signals.published.v1``.

Only aggregates of a closed period: no case ids, no free text. Cells below the threshold
are marked suppressed and carry no count.

``SignalsPublished.v2`` is the current type: every string is an ASCII code matched whole
(``hub_contracts.codes``), every list and number is bounded. ``SignalsPublished`` (v1) stays
registered, frozen in ``_signals_v1.py``, for the records still in the topic.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub_contracts.base import EventPayload
from hub_contracts.codes import AsciiCode, BoundedInt, Period, UniqueItems
from hub_contracts.events._signals_v1 import PublicationMethod as PublicationMethodV1
from hub_contracts.events._signals_v1 import SignalCell as SignalCellV1
from hub_contracts.events._signals_v1 import SignalsPublished
from hub_contracts.registry import register
from hub_contracts.topics import Topic

__all__ = [
    "MAX_CELLS",
    "MAX_COUNT",
    "MAX_DIMENSIONS",
    "MAX_EPSILON",
    "MAX_K_THRESHOLD",
    "MAX_ROUNDING_BASE",
    "PublicationMethod",
    "PublicationMethodV1",
    "SignalCell",
    "SignalCellV1",
    "SignalsPublished",
    "SignalsPublishedV2",
]

MAX_DIMENSIONS = 4
"""Dimensions of one table. The catalogue's tables have one or two; a table of more would
leave cells too small to publish."""

MAX_CELLS = 10_000
"""Cells of one table: the largest (countries of origin, about 250 codes) is far below."""

MAX_COUNT = 1_000_000_000
"""Largest count of a cell: far beyond the people the council counsels, below ``bigint``."""

MAX_K_THRESHOLD = 10_000
"""Largest suppression threshold (k); a larger one would withhold every cell."""

MAX_ROUNDING_BASE = 10_000
"""Largest rounding base; a larger one would round every count to 0."""

MAX_EPSILON = 100.0
"""Largest privacy budget (epsilon) of one table; beyond about 10 noise protects nothing."""

IDENTIFIER = AsciiCode(
    r"[a-z][a-z0-9_]{0,63}",
    max_length=64,
    words="a name: a lower-case ASCII letter, then up to 63 lower-case letters, digits and _",
)
Identifier = Annotated[str, IDENTIFIER]
"""Table and dimension names of the signals catalogue."""

CoordinateValue = Annotated[
    str,
    AsciiCode(
        r"[A-Za-z0-9_+.-]{1,64}",
        max_length=64,
        words="a coordinate value: 1 to 64 ASCII letters, digits and _ + . -",
    ),
]
"""A coordinate value: a code of the catalogue (vocabulary value, country code, bucket such as
"0-5" or "60+")."""

Count = Annotated[int, BoundedInt(0, MAX_COUNT)]


class SignalCell(BaseModel):
    """One cell of an aggregate table (SignalsPublished.v2)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    coordinates: dict[Identifier, CoordinateValue] = Field(
        min_length=1,
        max_length=MAX_DIMENSIONS,
        description="Dimension name to code, one entry per dimension of the table.",
        # pydantic writes the key pattern as patternProperties only, which leaves keys that do
        # not match it unchecked by a JSON Schema validator; propertyNames checks every key.
        json_schema_extra={"propertyNames": IDENTIFIER.json_schema()},
    )
    count: Count | None = Field(description="The (rounded/noised) count; None if suppressed.")
    suppressed: bool = Field(description="True when the count is withheld (below k).")

    @model_validator(mode="after")
    def _count_matches_suppression(self) -> Self:
        if self.suppressed and self.count is not None:
            raise ValueError("a suppressed cell carries no count")
        if not self.suppressed and self.count is None:
            raise ValueError("a cell that is not suppressed needs a count")
        return self


class PublicationMethod(BaseModel):
    """How the table was protected before publication (SignalsPublished.v2)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    k_threshold: Annotated[int, BoundedInt(1, MAX_K_THRESHOLD)] = Field(
        description="Counts below this are suppressed."
    )
    rounding_base: Annotated[int, BoundedInt(1, MAX_ROUNDING_BASE)] = Field(
        description="Counts are rounded to a multiple of this."
    )
    noise: Literal["none", "laplace", "gaussian"] = Field(description="Noise mechanism used.")
    epsilon_spent: float | None = Field(
        ge=0,
        le=MAX_EPSILON,
        allow_inf_nan=False,
        description="Privacy budget spent on this table; None exactly when no noise is added.",
    )

    @model_validator(mode="after")
    def _epsilon_matches_noise(self) -> Self:
        if (self.noise == "none") != (self.epsilon_spent is None):
            raise ValueError("epsilon_spent is given exactly when noise is added")
        return self


@register
class SignalsPublishedV2(EventPayload):
    """An anonymous aggregate table of a closed period, for the advocacy team."""

    event_type: ClassVar[str] = "council.signals.SignalsPublished.v2"
    schema_version: ClassVar[int] = 1
    topic: ClassVar[Topic] = Topic.SIGNALS_PUBLISHED

    period: Period = Field(description="Closed month the table covers, YYYY-MM (ASCII digits).")
    table: Identifier = Field(description="Name of the table, e.g. bottlenecks_by_region.")
    dimensions: Annotated[list[Identifier], UniqueItems()] = Field(
        min_length=1, max_length=MAX_DIMENSIONS, description="Dimension names of the table."
    )
    cells: list[SignalCell] = Field(
        max_length=MAX_CELLS, description="The cells of the table, each coordinate once."
    )
    method: PublicationMethod = Field(description="Disclosure control applied.")

    @model_validator(mode="after")
    def _cells_fit_table(self) -> Self:
        expected = set(self.dimensions)
        seen: set[tuple[str, ...]] = set()
        for cell in self.cells:
            if set(cell.coordinates) != expected:
                raise ValueError("every cell must have exactly one coordinate per dimension")
            key = tuple(cell.coordinates[d] for d in self.dimensions)
            if key in seen:
                raise ValueError("two cells have the same coordinates")
            seen.add(key)
            if cell.count is not None and 0 < cell.count < self.method.k_threshold:
                raise ValueError("a published count below k_threshold must be suppressed")
        return self

    def envelope_subject(self) -> str:
        """Signals are keyed by period: there is no case to keep in order."""
        return self.period
