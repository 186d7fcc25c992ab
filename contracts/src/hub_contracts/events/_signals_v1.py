"""``council.signals.SignalsPublished.v1`` as committed, kept registered for old records.

Frozen: the classes keep their names, docstrings and patterns so that v1's schema stays byte
for byte. Its period pattern ``^\\d{4}-...`` is matched by pydantic's Rust engine with any
script's digits ("\u0662\u0660\u0662\u0664-01" passes), and its lists and counts have no upper
bound; ``SignalsPublished.v2`` (``events/signals.py``) is the fix. Nothing new is built here.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hub_contracts.base import EventPayload
from hub_contracts.registry import register
from hub_contracts.topics import Topic

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
# Coordinate values are codes (vocabulary values, country codes, buckets like "0-5" or "60+").
CoordinateValue = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_+.\-]{1,64}$")]
Period = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]


class SignalCell(BaseModel):
    """One cell of an aggregate table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    coordinates: dict[Identifier, CoordinateValue] = Field(
        description="Dimension name to code, one entry per dimension of the table."
    )
    count: int | None = Field(ge=0, description="The (rounded/noised) count; None if suppressed.")
    suppressed: bool = Field(description="True when the count is withheld (below k).")

    @model_validator(mode="after")
    def _count_matches_suppression(self) -> Self:
        if self.suppressed and self.count is not None:
            raise ValueError("a suppressed cell carries no count")
        if not self.suppressed and self.count is None:
            raise ValueError("a cell that is not suppressed needs a count")
        return self


class PublicationMethod(BaseModel):
    """How the table was protected before publication."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    k_threshold: int = Field(ge=1, description="Counts below this are suppressed.")
    rounding_base: int = Field(ge=1, description="Counts are rounded to a multiple of this.")
    noise: Literal["none", "laplace", "gaussian"] = Field(description="Noise mechanism used.")
    epsilon_spent: float | None = Field(
        ge=0, description="Privacy budget spent on this table; None when no noise is added."
    )


@register
class SignalsPublished(EventPayload):
    """An anonymous aggregate table of a closed period, for the advocacy team."""

    event_type: ClassVar[str] = "council.signals.SignalsPublished.v1"
    schema_version: ClassVar[int] = 1
    topic: ClassVar[Topic] = Topic.SIGNALS_PUBLISHED

    period: Period = Field(description="Closed month the table covers, YYYY-MM.")
    table: Identifier = Field(description="Name of the table, e.g. bottlenecks_by_region.")
    dimensions: list[Identifier] = Field(description="Dimension names of the table.")
    cells: list[SignalCell] = Field(description="The cells of the table.")
    method: PublicationMethod = Field(description="Disclosure control applied.")

    @model_validator(mode="after")
    def _cells_fit_table(self) -> Self:
        expected = set(self.dimensions)
        for cell in self.cells:
            if set(cell.coordinates) != expected:
                raise ValueError("every cell must have exactly one coordinate per dimension")
            if cell.count is not None and 0 < cell.count < self.method.k_threshold:
                raise ValueError("a published count below k_threshold must be suppressed")
        return self

    def envelope_subject(self) -> str:
        """Signals are keyed by period: there is no case to keep in order."""
        return self.period
