"""What signals' JSON routes answer, as typed models, so that the OpenAPI document describes the
real bodies. A table is the stored ``SignalsPublished.v2`` payload (`hub_contracts.events`),
described here field by field as it is served; nothing is added or renamed."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True)


class TableSpec(_Answer):
    """An allowed cross-tabulation: its name and dimension names."""

    name: str
    dimensions: list[str]


class Tables(_Answer):
    """The allowed cross-tabulations (the only tables that exist), in catalogue order."""

    tables: list[TableSpec]


class Period(_Answer):
    """A published (closed) period: when, and its tables by name."""

    period: str = Field(description="YYYY-MM")
    # Served as Python's isoformat() has always written it (`+00:00`, not `Z`): kept as text.
    published_at: str = Field(json_schema_extra={"format": "date-time"})
    tables: list[str]


class Periods(_Answer):
    """Published periods, oldest first."""

    periods: list[Period]


class Cell(_Answer):
    """One cell: a count (rounded, perhaps noised) or suppressed below k."""

    coordinates: dict[str, str] = Field(description="Dimension name to code")
    count: int | None = Field(description="Null when suppressed")
    suppressed: bool


class Method(_Answer):
    """How the table was protected before publication."""

    k_threshold: int
    rounding_base: int
    noise: Literal["none", "laplace", "gaussian"]
    epsilon_spent: float | None


class Table(_Answer):
    """One published table (the ``SignalsPublished.v2`` payload)."""

    period: str = Field(description="YYYY-MM")
    table: str
    dimensions: list[str]
    cells: list[Cell]
    method: Method


class Release(_Answer):
    """A period's release: every table by name."""

    period: str
    tables: dict[str, Table]


class ContributionCount(_Answer):
    """Contributions of one table in one period (a count of rows, never of a cell)."""

    period: str
    table_name: str
    contributions: int


class Contributions(_Answer):
    """How many contributions exist per period and table."""

    contributions: list[ContributionCount]


class NewStaffAccount(_Answer):
    """An account to create: a username (3-64 of a-z, 0-9, ``.``, ``_``, ``-``), a password
    (12-128 characters), a role (advocacy or admin)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    username: str = Field(max_length=64)
    password: SecretStr = Field(max_length=128)
    role: Literal["advocacy", "admin"] = "advocacy"


class StaffAccount(_Answer):
    """A created account (never its password or hash)."""

    account_id: str
    username: str
    role: str
