"""The client's hand-written models and route table against the RUNNING services' OpenAPI
documents: every route the client calls exists with the body and answer it assumes, and every
model has exactly the properties (and the required ones) of the component of its name. A change
on either side fails here instead of drifting silently."""

import inspect
from typing import Any

import httpx
import pytest
from hub_client import models as m
from hub_client import operations as ops
from hub_client import referral_models
from hub_demo.inprocess import RunningHub
from pydantic import BaseModel

pytestmark = pytest.mark.integration

REF = "#/components/schemas/"


def ref_name(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref") or schema.get("items", {}).get("$ref", "")
    assert ref.startswith(REF), schema
    return str(ref.removeprefix(REF))


def component(components: dict[str, Any], name: str) -> dict[str, Any]:
    # FastAPI splits a model into -Input/-Output components when the two differ.
    for candidate in (name, f"{name}-Output", f"{name}-Input"):
        if candidate in components:
            return dict(components[candidate])
    raise AssertionError(f"no component {name} in the document")


def all_models() -> list[type[BaseModel]]:
    """Every model `hub_client.models` offers, its own and the referral ones it re-exports."""
    homes = {m.__name__, referral_models.__name__}
    return [
        cls
        for _, cls in inspect.getmembers(m, inspect.isclass)
        if issubclass(cls, BaseModel) and cls.__module__ in homes and cls.__name__[0] != "_"
    ]


async def test_every_route_and_model_matches_the_running_documents(
    running_hub: RunningHub,
) -> None:
    urls = running_hub.urls()
    async with httpx.AsyncClient() as http:
        documents = {
            service: (await http.get(f"{url}/openapi.json")).json()
            for service, url in (("casefile", urls.casefile), ("referral", urls.referral))
        }

    for op in ops.ALL:
        where = f"{op.method} {op.path} ({op.service})"
        operation = documents[op.service]["paths"][op.path][op.method.lower()]
        if op.body is None:
            assert "requestBody" not in operation, where
        else:
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            if "oneOf" in body:  # a union (the deadline kinds): every member is a model here
                names = {ref_name(member) for member in body["oneOf"]}
                assert op.body.__name__ in names, where
                assert names <= {model.__name__ for model in all_models()}, where
            else:
                assert ref_name(body) == op.body.__name__, where
        success = [s for s in operation["responses"] if s.startswith("2")]
        assert success == [str(op.status)], where
        answer = operation["responses"][success[0]]["content"]["application/json"]["schema"]
        assert ref_name(answer) == op.answer.__name__, where
        assert (answer.get("type") == "array") == op.is_list, where
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        # A write the route takes a key for is sent with one; one it does not take, without.
        assert ("Idempotency-Key" in headers) == op.writes, where

    checked = set()
    for model in all_models():
        found = [
            component(doc["components"]["schemas"], model.__name__)
            for doc in documents.values()
            if any(
                n in doc["components"]["schemas"]
                for n in (model.__name__, f"{model.__name__}-Output", f"{model.__name__}-Input")
            )
        ]
        assert found, f"{model.__name__} is in no document"
        ours = model.model_json_schema()
        for theirs in found:
            assert set(ours["properties"]) == set(theirs["properties"]), model.__name__
            assert set(ours.get("required", [])) == set(theirs.get("required", [])), model.__name__
        checked.add(model.__name__)
    assert len(checked) == len(all_models()) >= 37
