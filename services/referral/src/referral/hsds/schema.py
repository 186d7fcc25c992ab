"""The vendored HSDS 3.0 schemas (``schema/``) and validation against them.

The schema files carry no ``$schema``; the specification's own API description
(``schema/openapi.json``, OpenAPI 3.1) names the dialect in ``jsonSchemaDialect`` (JSON Schema
Draft 2020-12), and the validator is chosen from it, not hard-coded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import ValidationError, validators
from jsonschema.protocols import Validator

SCHEMA_DIR = Path(__file__).parent / "schema"
SOURCE = "openreferral/specification@c457a0e3ecb0cfe43525ea8bcdbfd62542ed6730 (tag v3.0)"
"""Where the vendored files come from (``schema/README.md``)."""


def load(name: str) -> dict[str, Any]:
    """A vendored file as JSON: ``organization``, ``organization_list`` or ``openapi``."""
    document: dict[str, Any] = json.loads((SCHEMA_DIR / f"{name}.json").read_text("utf-8"))
    return document


def dialect() -> str:
    """The JSON Schema dialect HSDS 3.0 declares (``jsonSchemaDialect`` of its openapi.json)."""
    return str(load("openapi")["jsonSchemaDialect"])


@cache
def validator(name: str) -> Validator:
    """A validator for the vendored schema ``name``, of the dialect HSDS declares, checking
    formats (``uuid``, ``email``; ``uri`` only where a checker is installed). The schema is
    checked against its metaschema by the tests, not here (seconds for the 3.4 MB file)."""
    return validator_class()(load(name), format_checker=validator_class().FORMAT_CHECKER)


def validator_class() -> type[Validator]:
    """The `jsonschema` validator class of HSDS 3.0's dialect."""
    cls: type[Validator] = validators.validator_for({"$schema": dialect()})
    return cls


def problems(name: str, instance: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Where and how ``instance`` breaks the HSDS schema ``name``: (path, what is wrong).

    The sentence names what the schema expects and never quotes the instance: the import's
    reasons go back in HTTP bodies and logs."""
    errors = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    seen = set()
    for error in errors:
        problem = (tuple(error.absolute_path), _what(error))
        if problem not in seen:  # the compiled schema repeats some keywords (e.g. required)
            seen.add(problem)
            yield problem


def _what(error: ValidationError) -> str:
    # The keyword's value in the schema (``Unset`` only for errors made by hand, never here).
    expected: Any = error.validator_value
    match error.validator:
        case "required":
            present = error.instance if isinstance(error.instance, dict) else {}
            missing = [str(name) for name in expected if name not in present]
            return "HSDS 3.0 requires " + ", ".join(missing)
        case "type":
            return f"should be of type {expected} (HSDS 3.0)"
        case "format":
            return f"should be a valid {expected} (HSDS 3.0)"
        case "enum":
            return "should be one of " + ", ".join(str(v) for v in expected) + " (HSDS 3.0)"
        case _:
            return f"does not satisfy '{error.validator}' of HSDS 3.0"
