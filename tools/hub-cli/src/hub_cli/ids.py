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

A partner API client's id (``hub partners rotate|revoke``) is no UUID: it is read by
:func:`client_id_argument` in the gateway's own shape (`hub_contracts.codes.ClientId`, what its
``/admin/credentials/{client_id}`` routes take) and refused the same way, with
:data:`CLIENT_ID_EXPECTED` (the fifth trial: it went into the request path unchecked).
"""

from typing import Any
from uuid import UUID

import typer
from hub_contracts.codes import ClientId
from hub_contracts.ids import CANONICAL_UUID
from pydantic import TypeAdapter, ValidationError

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


CLIENT_ID_EXPECTED = (
    "not a client id (1 to 128 ASCII letters, digits, _ and -, e.g. pc_0123456789abcdef; see"
    " `hub partners clients`)"
)
"""What a client id parameter takes, in a sentence quoting no value."""
_CLIENT_ID: TypeAdapter[str] = TypeAdapter(ClientId)


class ClientIdType(click_types.StringParamType):
    """Click's text type, only a client id in the gateway's shape accepted (`ClientId`)."""

    name = "client_id"

    def convert(self, value: Any, param: Parameter | None, ctx: Context | None) -> Any:
        """``value`` when it is a client id (the gateway's rule, matched whole); else Click's
        ``BadParameter`` with :data:`CLIENT_ID_EXPECTED`."""
        try:
            return _CLIENT_ID.validate_python(value, strict=True)
        except ValidationError:
            self.fail(CLIENT_ID_EXPECTED, param, ctx)


CLIENT_ID = ClientIdType()


def client_id_argument(help: str) -> Any:
    """A Typer argument of type ``str`` read by :class:`ClientIdType`."""
    return typer.Argument(click_type=CLIENT_ID, help=help)
