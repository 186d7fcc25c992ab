"""The vendored HSDS 3.0 schemas are the official files, valid for the dialect HSDS declares."""

from __future__ import annotations

import hashlib
import re

import pytest
from jsonschema import Draft202012Validator
from referral.hsds import schema


def test_the_dialect_is_the_one_hsds_declares() -> None:
    assert schema.dialect() == "https://json-schema.org/draft/2020-12/schema"
    assert schema.validator_class() is Draft202012Validator


@pytest.mark.parametrize("name", ["organization", "organization_list"])
def test_the_vendored_schemas_are_valid_json_schemas(name: str) -> None:
    schema.validator_class().check_schema(schema.load(name))


def test_the_vendored_files_are_the_ones_the_readme_names() -> None:
    """Unmodified copies: the sha256 of each file is the one recorded with its source."""
    readme = (schema.SCHEMA_DIR / "README.md").read_text("utf-8")
    recorded = dict(re.findall(r"\| `([a-z_]+\.json)` \| `[^`]+` \| `([0-9a-f]{64})`", readme))
    assert set(recorded) == {"organization.json", "organization_list.json", "openapi.json"}
    for name, digest in recorded.items():
        assert hashlib.sha256((schema.SCHEMA_DIR / name).read_bytes()).hexdigest() == digest


def test_a_problem_names_the_place_and_never_the_value() -> None:
    found = list(
        schema.problems(
            "organization",
            {"id": "CANARY-1", "name": 7, "services": [{"id": "x", "name": "s", "status": "z"}]},
        )
    )
    assert ((), "HSDS 3.0 requires description") in found
    assert (("id",), "should be a valid uuid (HSDS 3.0)") in found
    assert (("name",), "should be of type string (HSDS 3.0)") in found
    assert any(path == ("services", 0, "status") for path, _ in found)
    assert not any("CANARY" in what for _, what in found)
