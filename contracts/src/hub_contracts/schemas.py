"""Committed JSON Schemas: ``contracts/schemas/<event_type>/<revision>.json``.

``python -m hub_contracts.schemas write``  writes the file of each type's current revision
                                           if it does not exist yet (never overwrites).
``python -m hub_contracts.schemas check``  exits 1 with readable messages if the code and
                                           the committed files disagree (see compat.py).
Both take ``--dir`` to work on another tree (tests use a copy).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hub_contracts.base import EventPayload
from hub_contracts.compat import check_all, short_name
from hub_contracts.registry import all_payload_classes

# src/hub_contracts/schemas.py -> contracts/schemas (the workspace install is editable).
DEFAULT_SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


def render(schema: dict[str, Any]) -> str:
    """Deterministic text: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(schema, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def schema_of(cls: type[EventPayload]) -> dict[str, Any]:
    """The model's JSON Schema, normalised through JSON (as it would be read from disk)."""
    normalised: dict[str, Any] = json.loads(render(cls.model_json_schema()))
    return normalised


def schema_path(schema_dir: Path, event_type: str, revision: int) -> Path:
    """Where revision ``revision`` of ``event_type`` is committed:
    ``<schema_dir>/<event_type>/<revision>.json``.

    Pure path arithmetic: the file need not exist."""
    return schema_dir / event_type / f"{revision}.json"


def current_schemas(
    classes: Sequence[type[EventPayload]] | None = None,
) -> dict[str, tuple[int, dict[str, Any]]]:
    """event_type -> (current revision, schema) for the given (default: all) classes."""
    chosen = all_payload_classes() if classes is None else classes
    return {cls.event_type: (cls.schema_version, schema_of(cls)) for cls in chosen}


def write_missing(
    schema_dir: Path, classes: Sequence[type[EventPayload]] | None = None
) -> tuple[list[Path], list[str]]:
    """Write absent current-revision files; return (written, notes about differing files)."""
    written: list[Path] = []
    notes: list[str] = []
    for event_type, (revision, schema) in current_schemas(classes).items():
        path = schema_path(schema_dir, event_type, revision)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(schema), encoding="utf-8")
            written.append(path)
        elif json.loads(path.read_text(encoding="utf-8")) != schema:
            notes.append(
                f"{short_name(event_type)} revision {revision} exists and differs; not "
                "overwritten: bump schema_version (compatible) or the type's major version"
            )
    return written, notes


def check(schema_dir: Path, classes: Sequence[type[EventPayload]] | None = None) -> list[str]:
    """All problems between the code and the committed schemas; [] means OK."""
    return check_all(schema_dir, current_schemas(classes))


def _write_command(schema_dir: Path) -> int:
    written, notes = write_missing(schema_dir)
    for path in written:
        print(f"wrote {path}")
    for note in notes:
        print(note, file=sys.stderr)
    return 1 if notes else 0


def _check_command(schema_dir: Path) -> int:
    problems = check(schema_dir)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"schema check failed: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"schema check passed ({len(all_payload_classes())} event types)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: ``write`` adds the missing current-revision files, ``check`` compares.

    ``argv`` defaults to ``sys.argv[1:]``; ``--dir`` chooses the schema tree (default: the committed
    one). Returns the exit status: 0 when nothing is wrong, 1 when ``check`` found a problem or
    ``write`` met a committed revision that differs (problems and notes go to stderr). An unknown
    command exits through argparse with status 2."""
    parser = argparse.ArgumentParser(prog="python -m hub_contracts.schemas")
    parser.add_argument("command", choices=["write", "check"])
    parser.add_argument("--dir", type=Path, default=DEFAULT_SCHEMA_DIR, help="schema tree")
    args = parser.parse_args(argv)
    directory: Path = args.dir
    return _write_command(directory) if args.command == "write" else _check_command(directory)


if __name__ == "__main__":
    sys.exit(main())
