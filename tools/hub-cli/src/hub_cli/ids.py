"""The one parameter type of every id ``hub`` reads on its command line (a case, a partner).

The HTTP API takes an id only in its canonical text (`hub_contracts.ids.CANONICAL_UUID`: RFC
9562 section 4's 8-4-4-4-12 hexadecimal digits, lower case) and refuses any other spelling
with 422. Click's own UUID type reads upper case, ``urn:uuid:``, braces and the digits without
hyphens and rewrote them silently (a new user's trial, 2026-12-01: ``hub erase 4E3720A1-...``
erased the case), so the CLI accepted what the API refuses. Every id argument and option is
declared with :func:`id_argument` or :func:`id_option` (`tests/test_files_and_ids.py` holds
every command to it); another spelling is Click's ``BadParameter``, which
`hub_cli.usage.closed` turns into the usage error ``invalid_id`` (exit 2) with
:data:`EXPECTED`, quoting nothing typed.
"""

from typing import Any
from uuid import UUID

import typer
from hub_contracts.ids import CANONICAL_UUID

# Typer vendors Click (``typer._click``); its parameter types are only there.
from typer._click import types as click_types
from typer._click.core import Context, Parameter

EXAMPLE = "8f0e9a44-1c3b-4c7e-9d0e-3f1f4b5a6c7d"
EXPECTED = (
    "not a UUID in its canonical form (32 lower-case hexadecimal digits in groups of"
    f" 8-4-4-4-12, e.g. {EXAMPLE})"
)
"""What an id parameter takes, in a sentence quoting no value."""


class CanonicalUuidType(click_types.UUIDParameterType):
    """Click's UUID type, only the canonical text accepted (a `uuid.UUID` once read).

    A subclass, so `hub_cli.usage` words its refusal as any UUID's: code ``invalid_id``."""

    def convert(self, value: Any, param: Parameter | None, ctx: Context | None) -> Any:
        """``value`` as a `uuid.UUID` when it is one or its canonical text (matched whole);
        else Click's ``BadParameter`` with :data:`EXPECTED`."""
        if isinstance(value, UUID):
            return value
        if isinstance(value, str) and CANONICAL_UUID.fullmatch(value):
            return UUID(value)
        self.fail(EXPECTED, param, ctx)


CANONICAL_ID = CanonicalUuidType()


def id_argument(help: str) -> Any:
    """A Typer argument of type `uuid.UUID` read by :class:`CanonicalUuidType`."""
    return typer.Argument(click_type=CANONICAL_ID, help=help)


def id_option(help: str) -> Any:
    """A Typer option of type `uuid.UUID` read by :class:`CanonicalUuidType`."""
    return typer.Option(click_type=CANONICAL_ID, help=help)
