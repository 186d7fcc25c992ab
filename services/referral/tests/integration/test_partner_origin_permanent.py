"""Origin-country authorities stay classified for good; every change of standing is audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from hub_contracts import PartnerRegistered
from hub_runtime.auth import Role

pytestmark = pytest.mark.integration


async def _announced_types(stack: Any, partner_id: str) -> list[str]:
    return [
        p.partner_type.value
        for _, p in await stack.events()
        if isinstance(p, PartnerRegistered) and str(p.partner_id) == partner_id
    ]


async def _changes(stack: Any, partner_id: str, role: Role = Role.ADMIN) -> Any:
    return await stack.http.get(f"/partners/{partner_id}/changes", headers=stack.token(role))


@pytest.mark.parametrize("reason", ["reclassified", "correction"])
async def test_an_origin_authority_can_never_be_reclassified(stack: Any, reason: str) -> None:
    embassy = await stack.register_partner(name="Embassy of X", partner_type="authority_origin")
    assert (embassy["ever_origin_authority"], embassy["may_receive_data"]) == (True, False)

    for new_type in ("ngo", "intergovernmental", "other"):
        refused = await stack.replace_partner(embassy, partner_type=new_type, change_reason=reason)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"] == "origin_authority_permanent"

    now = await stack.http.get(
        f"/partners/{embassy['partner_id']}", headers=stack.token(Role.COUNSELLOR)
    )
    assert now.json()["partner_type"] == "authority_origin"
    assert now.json()["may_receive_data"] is False
    # Nothing announced the entry as anything else, so no other service's view was told so.
    assert set(await _announced_types(stack, embassy["partner_id"])) == {"authority_origin"}
    [registered] = (await _changes(stack, embassy["partner_id"])).json()
    assert registered["reason"] == "registered"


async def test_a_partner_reclassified_as_origin_authority_stays_one(stack: Any) -> None:
    ngo = await stack.register_partner(partner_type="ngo")
    assert ngo["ever_origin_authority"] is False
    reclassified = await stack.replace_partner(
        ngo, partner_type="authority_origin", change_reason="reclassified"
    )
    assert reclassified.status_code == 200, reclassified.text
    assert reclassified.json()["ever_origin_authority"] is True

    back = await stack.replace_partner(
        reclassified.json(), partner_type="ngo", change_reason="correction"
    )
    assert (back.status_code, back.json()["error"]) == (409, "origin_authority_permanent")
    # Renewing its agreement or re-activating it changes nothing about what it may receive.
    renewed = await stack.replace_partner(
        reclassified.json(), agreement_reference="DSA-NEW", change_reason="agreement_renewed"
    )
    assert renewed.status_code == 200, renewed.text
    assert (renewed.json()["ever_origin_authority"], renewed.json()["may_receive_data"]) == (
        True,
        False,
    )


async def test_no_write_to_the_table_lifts_the_classification(stack: Any) -> None:
    """An import that bypasses the API (plain SQL) meets the database's own guard."""
    embassy = await stack.register_partner(partner_type="authority_origin")
    pool = stack.runtime.context.pool
    with pytest.raises(asyncpg.CheckViolationError):
        await pool.execute(
            "UPDATE partners SET partner_type = 'ngo' WHERE partner_id = $1",
            embassy["partner_id"],
        )
    await pool.execute(
        "UPDATE partners SET ever_origin_authority = false WHERE partner_id = $1",
        embassy["partner_id"],
    )
    flag = await pool.fetchval(
        "SELECT ever_origin_authority FROM partners WHERE partner_id = $1", embassy["partner_id"]
    )
    assert flag is True
    with pytest.raises(asyncpg.CheckViolationError):
        await pool.execute("DELETE FROM partner_changes")


async def test_every_change_of_standing_is_audited_with_who_when_and_why(stack: Any) -> None:
    started = datetime.now(UTC) - timedelta(seconds=1)
    partner = await stack.register_partner()  # as "staff-1", the default subject
    removed = await stack.replace_partner(
        partner, sub="admin-anna", active=False, change_reason="removed"
    )
    assert removed.status_code == 200, removed.text
    renamed = await stack.replace_partner(removed.json(), sub="admin-anna", name="IOM NL (new)")
    assert renamed.status_code == 200, renamed.text  # name only: not a change of standing

    changes = (await _changes(stack, partner["partner_id"])).json()
    assert [(c["reason"], c["changed_by"]) for c in changes] == [
        ("registered", "staff-1"),
        ("removed", "admin-anna"),
    ]
    registration, removal = changes
    assert registration["before"] is None
    assert registration["after"]["partner_type"] == "intergovernmental"
    assert removal["changed_fields"] == ["active"]
    assert (removal["before"]["active"], removal["after"]["active"]) == (True, False)
    for change in changes:
        assert started <= datetime.fromisoformat(change["changed_at"]) <= datetime.now(UTC)

    everything = await stack.http.get("/admin/partner-changes", headers=stack.token(Role.ADMIN))
    assert everything.status_code == 200
    ids = [c["change_id"] for c in everything.json()]
    assert ids == sorted(ids)
    assert {c["change_id"] for c in changes} <= set(ids)
    after = await stack.http.get(
        f"/admin/partner-changes?after_id={changes[0]['change_id']}",
        headers=stack.token(Role.ADMIN),
    )
    assert changes[0]["change_id"] not in {c["change_id"] for c in after.json()}


async def test_a_change_of_standing_needs_a_closed_reason(stack: Any) -> None:
    partner = await stack.register_partner()
    missing = await stack.replace_partner(partner, purposes=["return_counselling"])
    assert (missing.status_code, missing.json()["error"]) == (422, "change_reason_missing")
    free_text = await stack.replace_partner(
        partner, active=False, change_reason="spoke with the director"
    )
    assert free_text.status_code == 422
    own = await stack.replace_partner(partner, active=False, change_reason="registered")
    assert (own.status_code, own.json()["error"]) == (422, "change_reason_not_allowed")
    # Nothing of the refused requests was applied or audited.
    now = await stack.http.get(
        f"/partners/{partner['partner_id']}", headers=stack.token(Role.ADMIN)
    )
    assert now.json()["active"] is True
    assert len(now.json()["purposes"]) == 3
    assert [c["reason"] for c in (await _changes(stack, partner["partner_id"])).json()] == [
        "registered"
    ]


@pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.COORDINATOR, Role.SERVICE])
async def test_only_admins_read_the_audit(stack: Any, role: Role) -> None:
    partner = await stack.register_partner()
    assert (await _changes(stack, partner["partner_id"], role)).status_code == 403
    listing = await stack.http.get("/admin/partner-changes", headers=stack.token(role))
    assert listing.status_code == 403
    unknown = await stack.http.get(
        "/partners/00000000-0000-0000-0000-000000000000/changes", headers=stack.token(Role.ADMIN)
    )
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    "after_id", ["9223372036854775808", "99999999999999999999999", "\u0661\u0662"]
)
async def test_the_audit_page_cursor_is_a_bounded_ascii_number(stack: Any, after_id: str) -> None:
    """The fresh-clone attack: `after_id=9223372036854775808` (beyond PostgreSQL's bigint)
    answered 500. Same class: a far larger number, and Arabic-Indic digits."""
    answer = await stack.http.get(
        "/admin/partner-changes", params={"after_id": after_id}, headers=stack.token(Role.ADMIN)
    )
    assert answer.status_code == 422, answer.text
    assert set(answer.json()) >= {"error", "detail", "reasons"}
