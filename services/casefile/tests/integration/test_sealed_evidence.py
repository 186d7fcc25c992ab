"""Evidence references (a V-number) are sealed under the person's key, and older plaintext
rows are sealed by the start-up step of migration 0011 (or dropped when the person is erased)."""

import uuid
from typing import Any

import pytest
from casefile import workers
from casefile.bootstrap import deps
from hub_runtime.auth import Role

pytestmark = pytest.mark.integration

V_NUMBER = "v-nummer:3012345678"


async def _legacy_effort(cf: Any, case_id: str, refs: list[str]) -> uuid.UUID:
    """A row as casefile wrote it before migration 0011: references in plaintext."""
    effort_id = uuid.uuid4()
    pool = cf.runtime.context.pool
    await pool.execute(
        "INSERT INTO efforts (effort_id, case_id, kind, occurred_on, authority, outcome,"
        " evidence_refs, recorded_by) VALUES ($1, $2, 'embassy_visit', $3, 'embassy',"
        " 'refused', $4, 'alice')",
        effort_id,
        uuid.UUID(case_id),
        cf.today(),
        refs,
    )
    return effort_id


async def test_new_references_are_ciphertext_and_readable_through_the_dossier(
    casefile: Any,
) -> None:
    case_id = await casefile.open_case(stage="final_rejection")
    headers = casefile.token(Role.COUNSELLOR)
    response = await casefile.http.post(
        f"/cases/{case_id}/efforts",
        json={
            "kind": "document_request",
            "occurred_on": casefile.today().isoformat(),
            "authority": "embassy",
            "outcome": "pending",
            "evidence_refs": [V_NUMBER],
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    stored = await casefile.fetchval(
        "SELECT count(*) FROM efforts WHERE evidence_refs IS NULL AND evidence_cipher IS NOT NULL"
    )
    assert stored == 1
    dossier = await casefile.http.get(f"/cases/{case_id}/buitenschuld-dossier", headers=headers)
    assert dossier.json()["efforts"][0]["evidence_refs"] == [V_NUMBER]


async def test_older_plaintext_rows_are_sealed_or_dropped_at_start_up(casefile: Any) -> None:
    kept = await casefile.open_case(stage="final_rejection")
    erased = await casefile.open_case(stage="final_rejection")
    await _legacy_effort(casefile, kept, [V_NUMBER])
    await _legacy_effort(casefile, erased, ["v-nummer:999"])
    # The person of the second case is erased before the sealer saw the row (its key is gone).
    await casefile.runtime.context.pool.execute(
        "DELETE FROM person_keys WHERE case_id = $1", uuid.UUID(erased)
    )
    wired = deps(casefile.settings)
    assert await workers.seal_legacy_evidence(casefile.runtime.context, wired) == 2
    assert await workers.seal_legacy_evidence(casefile.runtime.context, wired) == 0
    assert not await casefile.fetchval(
        "SELECT count(*) FROM efforts WHERE evidence_refs IS NOT NULL"
    )
    assert (
        await casefile.fetchval("SELECT count(*) FROM efforts WHERE evidence_cipher IS NOT NULL")
        == 1
    )
    headers = casefile.token(Role.COUNSELLOR)
    dossier = await casefile.http.get(f"/cases/{kept}/buitenschuld-dossier", headers=headers)
    assert dossier.json()["efforts"][0]["evidence_refs"] == [V_NUMBER]
