"""The committed schemas match the code, and the check catches breaking changes.

Breaking changes are made to TEST COPIES: a modified model defined here, checked against a
temporary copy of the schema tree, never against the repository's files.
"""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import ClassVar

import pytest
from hub_contracts import CaseOpened, EventPayload, Topic, all_payload_classes
from hub_contracts.compat import check_all
from hub_contracts.events._fields import CaseId
from hub_contracts.schemas import (
    DEFAULT_SCHEMA_DIR,
    check,
    current_schemas,
    main,
    render,
    schema_of,
    schema_path,
    write_missing,
)
from hub_contracts.vocabulary import (
    CountryCode,
    LocationType,
    ProcedureStage,
    Region,
    Vulnerability,
)
from pydantic import Field

# -- the real tree ------------------------------------------------------------------------


def test_committed_schemas_match_the_code() -> None:
    assert check(DEFAULT_SCHEMA_DIR) == []


def test_check_command_passes_on_the_real_tree(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 0
    assert (
        f"schema check passed ({len(all_payload_classes())} event types)" in capsys.readouterr().out
    )


def test_every_current_revision_is_committed_byte_for_byte(
    payload_class_under_test: type[EventPayload],
) -> None:
    cls = payload_class_under_test
    path = schema_path(DEFAULT_SCHEMA_DIR, cls.event_type, cls.schema_version)
    assert path.read_text(encoding="utf-8") == render(schema_of(cls))


def test_write_fills_an_empty_tree_and_never_overwrites(tmp_path: Path) -> None:
    written, notes = write_missing(tmp_path)
    assert len(written) == len(all_payload_classes())
    assert notes == []
    assert check(tmp_path) == []
    again, _ = write_missing(tmp_path)
    assert again == []


def test_rendering_is_deterministic() -> None:
    schema = schema_of(CaseOpened)
    assert render(schema) == render(json.loads(render(schema)))
    assert render(schema).endswith("}\n")
    assert '\n  "$defs"' in render(schema)  # 2-space indent, sorted keys


def test_check_command_fails_on_a_missing_file(
    schema_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (schema_copy / CaseOpened.event_type / "1.json").unlink()
    assert main(["check", "--dir", str(schema_copy)]) == 1
    assert "CaseOpened.v1 revision 1 has no committed schema" in capsys.readouterr().err


# -- modified test copies of CaseOpened ---------------------------------------------------


class _Base(EventPayload):
    event_type: ClassVar[str] = CaseOpened.event_type  # the same type, NOT registered
    schema_version: ClassVar[int] = 2
    topic: ClassVar[Topic] = Topic.CASEFILE_EVENTS


class DescriptionOnly(_Base):
    """A case was opened (documentation reworded: a compatible revision)."""

    case_id: CaseId
    country_of_origin: CountryCode = Field(description="Country of origin, ISO alpha-2.")
    region: Region = Field(description="Region.")
    household_size: int = Field(ge=1, description="Household size.")
    has_minors: bool = Field(description="Minors present.")
    vulnerabilities: list[Vulnerability] = Field(description="Flags.")
    location_type: LocationType = Field(description="Location.")
    stage: ProcedureStage = Field(description="Stage.")


class RemovedField(_Base):
    case_id: CaseId
    country_of_origin: CountryCode = Field(description="x")
    region: Region = Field(description="x")
    household_size: int = Field(ge=1, description="x")
    vulnerabilities: list[Vulnerability] = Field(description="x")
    location_type: LocationType = Field(description="x")
    stage: ProcedureStage = Field(description="x")


class ChangedType(DescriptionOnly):
    household_size: str = Field(description="x")  # type: ignore[assignment]


class NewRequiredField(DescriptionOnly):
    opened_on: date = Field(description="x")


class NewOptionalField(DescriptionOnly):
    opened_on: date | None = Field(default=None, description="x")


class RegionWithoutMidden(StrEnum):
    NOORD = "noord"
    OOST = "oost"
    ZUID = "zuid"
    WEST = "west"


class RemovedEnumValue(DescriptionOnly):
    region: RegionWithoutMidden = Field(description="x")  # type: ignore[assignment]


class RegionWithAbroad(StrEnum):
    NOORD = "noord"
    OOST = "oost"
    ZUID = "zuid"
    WEST = "west"
    MIDDEN = "midden"
    ABROAD = "abroad"


class AddedEnumValue(DescriptionOnly):
    region: RegionWithAbroad = Field(description="x")  # type: ignore[assignment]


class TightenedBound(DescriptionOnly):
    household_size: int = Field(ge=2, description="x")


class LoosenedBound(DescriptionOnly):
    household_size: int = Field(ge=0, description="x")


class MadeNullable(DescriptionOnly):
    has_minors: bool | None = Field(description="x")  # type: ignore[assignment]


class ChangedPattern(DescriptionOnly):
    country_of_origin: str = Field(pattern=r"^[A-Z]{3}$", description="x")


def _check_with(schema_dir: Path, model: type[EventPayload]) -> list[str]:
    """check_all on the copy, with CaseOpened's current schema replaced by ``model``'s."""
    current = current_schemas()
    current[CaseOpened.event_type] = (model.schema_version, schema_of(model))
    written, _ = write_missing(schema_dir, [model])
    assert [p.name for p in written] == [f"{model.schema_version}.json"]
    return check_all(schema_dir, current)


def test_a_description_only_revision_is_compatible(schema_copy: Path) -> None:
    assert _check_with(schema_copy, DescriptionOnly) == []


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (RemovedField, "field 'has_minors': the old schema requires this field but the new schema"),
        (RemovedField, "field 'has_minors': the old schema may carry this field but the new"),
        (ChangedType, "field 'household_size': the old schema allows type ['integer']"),
        (NewRequiredField, "field 'opened_on': the new schema requires this field but the old"),
        (NewOptionalField, "not forward compatible (old readers, new events): field 'opened_on'"),
        (RemovedEnumValue, 'not backward compatible (new readers, old events): field '
         "'region': value \"midden\""),
        (AddedEnumValue, "not forward compatible (old readers, new events): field 'region': "
         'value "abroad"'),
        (TightenedBound, "not backward compatible (new readers, old events): field "
         "'household_size': the new schema requires minimum=2"),
        (LoosenedBound, "not forward compatible (old readers, new events): field "
         "'household_size': the old schema requires minimum=1"),
        (MadeNullable, "not forward compatible (old readers, new events): field 'has_minors'"),
        (ChangedPattern, "field 'country_of_origin': the new schema requires pattern"),
    ],
)  # fmt: skip
def test_a_breaking_revision_fails_the_check(
    schema_copy: Path, model: type[EventPayload], expected: str
) -> None:
    problems = _check_with(schema_copy, model)
    assert problems, f"{model.__name__} should be incompatible"
    assert all(p.startswith("CaseOpened.v1 revision 2 vs revision 1: ") for p in problems)
    assert any(expected in p for p in problems), problems


def test_editing_a_committed_revision_in_place_fails(schema_copy: Path) -> None:
    class InPlace(DescriptionOnly):
        schema_version: ClassVar[int] = 1

    current = current_schemas()
    current[CaseOpened.event_type] = (1, schema_of(InPlace))
    problems = check_all(schema_copy, current)
    assert problems == [
        "CaseOpened.v1 revision 1 changed in place; a breaking change needs a new event type "
        "version, a compatible one a new revision"
    ]


def test_compatibility_is_transitive(schema_copy: Path) -> None:
    """Revision 3 is checked against revision 1 too, not only against revision 2."""
    assert _check_with(schema_copy, DescriptionOnly) == []

    class Third(LoosenedBound):
        schema_version: ClassVar[int] = 3

    # Make revision 2 look like the loosened one would be if only compared to it: the
    # loosened bound is still incompatible with revision 1, and that must be reported.
    problems = _check_with(schema_copy, Third)
    assert any(p.startswith("CaseOpened.v1 revision 3 vs revision 1: ") for p in problems)
    assert any(p.startswith("CaseOpened.v1 revision 3 vs revision 2: ") for p in problems)


def test_deleted_and_future_revisions_and_orphans_are_reported(schema_copy: Path) -> None:
    (schema_copy / CaseOpened.event_type / "7.json").write_text("{}", encoding="utf-8")
    (schema_copy / "council.casefile.Retired.v1").mkdir()
    problems = check_all(schema_copy, current_schemas())
    assert any("revision 7 is committed but the code is at revision 1" in p for p in problems)
    assert any(p.startswith("council.casefile.Retired.v1: schemas are committed") for p in problems)

    current = current_schemas()
    current[CaseOpened.event_type] = (3, schema_of(CaseOpened))
    (schema_copy / CaseOpened.event_type / "7.json").unlink()
    assert any("revision 2 is missing" in p for p in check_all(schema_copy, current))


def test_write_does_not_overwrite_a_differing_revision(schema_copy: Path) -> None:
    class InPlace(DescriptionOnly):
        schema_version: ClassVar[int] = 1

    before = (schema_copy / CaseOpened.event_type / "1.json").read_text(encoding="utf-8")
    written, notes = write_missing(schema_copy, [InPlace])
    assert written == []
    assert notes == [
        "CaseOpened.v1 revision 1 exists and differs; not overwritten: bump schema_version "
        "(compatible) or the type's major version"
    ]
    assert (schema_copy / CaseOpened.event_type / "1.json").read_text(encoding="utf-8") == before
