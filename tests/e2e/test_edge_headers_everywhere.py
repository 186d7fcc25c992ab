"""An ``Idempotency-Key`` sent twice is 400 ``idempotency_key_repeated`` on every operation that
reads one (which of the two would count is a guess the server must not make; a new user's
trial reported the last one winning), on all four services running (in this process, on the
real Kafka and PostgreSQL, over real HTTP), operation by operation from each service's own
OpenAPI document, so a route added later that reads the key its own way is caught too. The rule
is `hub_runtime.idempotency.checked_key`'s."""

import re
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from hub_demo.inprocess import RunningHub
from hub_runtime.auth import Role, mint_token

pytestmark = pytest.mark.integration

CANONICAL = "0b3e7c1a-5d2f-4c1e-9a7b-2f8e6d4c3b1a"
PARAMETER = re.compile(r"\{[^}]+\}")


def _headers(hub: RunningHub, role: Role, partner_id: UUID) -> list[tuple[str, str]]:
    secret = hub.hub.jwt_secret.get_secret_value()
    claims: dict[str, Any] = {"partner_id": partner_id} if role is Role.PARTNER else {}
    token = mint_token(secret, sub="head-test", role=role, **claims)
    return [("Authorization", f"Bearer {token}"), ("Content-Type", "application/json")]


async def _known_partner(hub: RunningHub) -> UUID:
    """A partner the gateway knows (a partner's routes check that before the request)."""
    client = hub.client()
    partner_id = await client.register_partner("Head test partner")
    url = f"{hub.gateway.base_url}/admin/partners/{partner_id}/credentials"
    await client.retry_while_conflict("POST", url, Role.ADMIN, None, ok=201)
    return partner_id


async def test_an_idempotency_key_sent_twice_is_refused_everywhere(running_hub: RunningHub) -> None:
    """Every operation that documents an Idempotency-Key, with each role's token: the one that
    gets past authorisation is refused with 400 ``idempotency_key_repeated``."""
    checked = 0
    partner_id = await _known_partner(running_hub)
    async with httpx.AsyncClient(timeout=30) as http:
        for runtime in running_hub.runtimes:
            document = (await http.get(runtime.base_url + "/openapi.json")).json()
            for template, operations in document["paths"].items():
                for method, operation in operations.items():
                    names = {p["name"].lower() for p in operation.get("parameters", [])}
                    if "idempotency-key" not in names:
                        continue
                    url = runtime.base_url + PARAMETER.sub(CANONICAL, template)
                    keys = [("Idempotency-Key", f"k-{uuid4()}") for _ in range(2)]
                    codes = []
                    for role in Role:
                        answer = await http.request(
                            method.upper(),
                            url,
                            headers=_headers(running_hub, role, partner_id) + keys,
                            content=b"{}" if "requestBody" in operation else b"",
                        )
                        codes.append((answer.status_code, answer.json().get("error")))
                    where = (runtime.definition.name, method, template, codes)
                    assert (400, "idempotency_key_repeated") in codes, where
                    checked += 1
    assert checked > 5, checked
