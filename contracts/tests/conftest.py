"""Shared fixtures: one example per payload class, and a throwaway copy of the schema tree."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hub_contracts import EventPayload, all_payload_classes
from hub_contracts.schemas import DEFAULT_SCHEMA_DIR

ALL_CLASSES = all_payload_classes()


@pytest.fixture(params=ALL_CLASSES, ids=lambda cls: cls.__name__)
def payload_class_under_test(request: pytest.FixtureRequest) -> type[EventPayload]:
    cls: type[EventPayload] = request.param
    return cls


@pytest.fixture
def schema_copy(tmp_path: Path) -> Path:
    """A copy of the committed schemas, so tests can add revisions without touching the repo."""
    target = tmp_path / "schemas"
    shutil.copytree(DEFAULT_SCHEMA_DIR, target)
    return target
