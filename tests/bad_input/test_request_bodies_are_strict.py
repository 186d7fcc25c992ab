"""Every request body and Kafka command takes numbers and booleans as JSON gives them.

pydantic's lax mode turns "3", 3.0 and true into the int 3, 3 and 1, and "no", 0 and "off"
into False: a deadline of `true` weeks was a deadline of one week, and `"active": "no"`
removed an organisation from the directory (the eighth new user's trial). A body's number or
boolean is strict (`StrictInt`, `StrictBool`, `hub_contracts.codes.BoundedInt`)."""

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from typing import Any

import hub_contracts.commands
import pytest
from pydantic import BaseModel

BODY_MODULES = [
    "casefile.bodies",
    "referral.bodies",
    "partner_gateway.api.models",
    "partner_gateway.api.token_request",
    *(
        f"hub_contracts.commands.{m.name}"
        for m in pkgutil.iter_modules(hub_contracts.commands.__path__)
    ),
]
NOT_PARSED_FROM_A_REQUEST = {
    "referral.bodies.HsdsOrganization",  # built by the HSDS importer from terms it has read
    "partner_gateway.api.models.TokenResponse",  # an answer
}
LAX = {"int", "bool", "float"}


def _bodies() -> Iterator[type[BaseModel]]:
    for name in BODY_MODULES:
        module = importlib.import_module(name)
        for _, model in inspect.getmembers(module, inspect.isclass):
            qualified = f"{model.__module__}.{model.__name__}"
            if (
                issubclass(model, BaseModel)
                and model.__module__ == name
                and qualified not in NOT_PARSED_FROM_A_REQUEST
            ):
                yield model


def _lax_fields(schema: Any, path: str = "") -> Iterator[str]:
    """The dotted paths of the int, bool and float schemas that are not strict."""
    if isinstance(schema, list):
        for item in schema:
            yield from _lax_fields(item, path)
    elif isinstance(schema, dict):
        if schema.get("type") in LAX and not schema.get("strict"):
            yield path or "(the body)"
        for key, value in schema.items():
            if key == "fields" and isinstance(value, dict):
                for field, inner in value.items():
                    yield from _lax_fields(inner, f"{path}.{field}".lstrip("."))
            elif key not in ("serialization", "metadata"):
                yield from _lax_fields(value, path)


def test_the_walk_finds_a_lax_number() -> None:
    class Lax(BaseModel):
        weeks: int

    assert list(_lax_fields(Lax.__pydantic_core_schema__)) == ["weeks"]


@pytest.mark.parametrize("body", list(_bodies()), ids=lambda body: body.__name__)
def test_a_body_takes_numbers_and_booleans_only_as_json_gives_them(body: type[BaseModel]) -> None:
    assert sorted(set(_lax_fields(body.__pydantic_core_schema__))) == []
