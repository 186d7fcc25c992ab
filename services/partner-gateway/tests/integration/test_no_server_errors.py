"""Property test of the partner API: whatever a partner sends, the answer is never a 5xx.

A stand-in for schemathesis (not installed in this workspace): hypothesis generates bodies,
headers and paths for every partner route and checks the gateway answers with a 2xx/4xx.
"""

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import Gateway, GatewayFactory

pytestmark = pytest.mark.integration

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
status_bodies = (
    st.fixed_dictionaries(
        {},
        optional={
            "status": st.sampled_from(["accepted", "declined", "arrived", "nope", ""])
            | json_values,
            "reason_code": st.sampled_from(["no_capacity", "X", None]) | json_values,
        },
    )
    | json_values
)
monitoring_bodies = (
    st.fixed_dictionaries(
        {},
        optional={
            "months_after_return": st.integers(min_value=-5, max_value=200) | json_values,
            "outcomes": st.lists(st.sampled_from(["no_problems", "safety_concern", "x"]))
            | json_values,
        },
    )
    | json_values
)
printable = st.characters(min_codepoint=32, max_codepoint=126)
keys = (
    st.none()
    | st.text(printable, max_size=40)
    | st.from_regex(r"^[A-Za-z0-9]{8,20}$", fullmatch=True)
)


@pytest.fixture
async def gw(start_gateway: GatewayFactory) -> tuple[Gateway, uuid.UUID, uuid.UUID]:
    gateway = await start_gateway(rate_limit_per_second=1000, rate_limit_burst=10_000)
    partner_id = await gateway.register_partner()
    await gateway.wait_for_partner(partner_id)
    case_id = uuid.uuid4()
    referral_id = await gateway.approve(
        case_id, partner_id, await gateway.consent(case_id, partner_id)
    )
    await gateway.referral_known(referral_id)
    return gateway, partner_id, referral_id


async def test_partner_posts_never_answer_5xx(
    gw: tuple[Gateway, uuid.UUID, uuid.UUID],
) -> None:
    gateway, partner_id, referral_id = gw
    # hypothesis drives a sync function: collect the cases, then send them in this loop
    cases: list[tuple[str, Any, str | None, bool]] = []

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        route=st.sampled_from(["status", "monitoring", "ack"]),
        body=status_bodies | monitoring_bodies,
        key=keys,
        own=st.booleans(),
    )
    def run(route: str, body: Any, key: str | None, own: bool) -> None:
        cases.append((route, body, key, own))

    run()
    for route, body, key, own in cases:
        target = referral_id if own else uuid.uuid4()
        path = (
            f"/partner/notices/{target}/ack"
            if route == "ack"
            else f"/partner/referrals/{target}/{route}"
        )
        headers = gateway.as_partner(partner_id)
        if key is not None:
            headers["Idempotency-Key"] = key.strip()
        response = await gateway.http.post(path, json=body, headers=headers)
        assert response.status_code < 500, (route, body, key, response.text)
    assert len(cases) >= 100


@pytest.mark.parametrize(
    "path",
    [
        "/partner/referrals/not-a-uuid",
        "/partner/inbox?cursor=-1",
        "/partner/inbox?limit=0",
        "/partner/inbox?limit=100000",
        "/partner/inbox?cursor=99999999999999999999999",
        "/admin/deliveries?after=-1",
        "/admin/deliveries?state=weird",
        "/admin/notices?overdue=maybe",
    ],
)
async def test_odd_queries_are_4xx(gw: tuple[Gateway, uuid.UUID, uuid.UUID], path: str) -> None:
    gateway, partner_id, _ = gw
    headers = gateway.admin() if path.startswith("/admin") else gateway.as_partner(partner_id)
    response = await gateway.http.get(path, headers=headers)
    assert 400 <= response.status_code < 500, response.text


async def test_the_openapi_document_lists_every_route(
    gw: tuple[Gateway, uuid.UUID, uuid.UUID],
) -> None:
    gateway, _, _ = gw
    document = (await gateway.http.get("/openapi.json")).json()
    assert set(document["paths"]) >= {
        "/admin/partners/{partner_id}/webhook",
        "/admin/deliveries",
        "/admin/disclosures",
        "/admin/notices",
        "/admin/partners/{partner_id}/credentials",
        "/admin/credentials/{client_id}/rotate",
        "/admin/credentials/{client_id}/revoke",
        "/partner/token",
        "/partner/referrals/{referral_id}",
        "/partner/referrals/{referral_id}/status",
        "/partner/referrals/{referral_id}/monitoring",
        "/partner/notices/{notice_id}/ack",
        "/partner/inbox",
    }
    asyncapi = (await gateway.http.get("/asyncapi.json")).json()
    assert "partner_events_v1" in str(asyncapi)
