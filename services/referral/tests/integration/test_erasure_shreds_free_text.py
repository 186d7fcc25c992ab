"""Review reasons and consent evidence references: sealed at rest, shredded by erasure."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hub_contracts import PersonErased, Topic
from hub_runtime.auth import Role
from hub_runtime.db import dsn_for_database
from hub_runtime.testing import wait_until

pytestmark = pytest.mark.integration

PG15_DUMP = Path("/usr/lib/postgresql/15/bin/pg_dump")
DUMP_EXECUTABLE = str(PG15_DUMP) if PG15_DUMP.exists() else shutil.which("pg_dump")


async def pg_dump(stack: Any) -> str:
    """The whole referral database as `pg_dump` (PostgreSQL 15, like the server) writes it."""
    executable = DUMP_EXECUTABLE
    assert executable is not None, "pg_dump is needed for this test"
    database = await stack.runtime.context.pool.fetchval("SELECT current_database()")
    process = await asyncio.create_subprocess_exec(
        executable,
        "--no-owner",
        dsn_for_database(stack.hub.pg_dsn, database),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode("utf-8", errors="replace")


async def every_stored_byte(stack: Any) -> str:
    """Every value of every table, bytea as raw bytes (a dump shows those only as hex)."""
    pool = stack.runtime.context.pool
    tables = await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    parts: list[str] = []
    for table in tables:
        for row in await pool.fetch(f'SELECT * FROM "{table["tablename"]}"'):
            parts.extend(
                v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in row.values()
            )
    return "\n".join(parts)


async def _answers(stack: Any, case_id: uuid.UUID, referral_id: str, consent_id: str) -> str:
    """Every referral API answer about the case, as text (all must be 200)."""
    staff = stack.token(Role.COORDINATOR)
    texts = []
    for url in (
        f"/referrals/{referral_id}",
        f"/cases/{case_id}/referrals",
        f"/cases/{case_id}/consents",
        f"/consents/{consent_id}",
        f"/cases/{case_id}/disclosures",
        f"/cases/{case_id}/view",
    ):
        response = await stack.http.get(url, headers=staff)
        assert response.status_code == 200, (url, response.text)
        texts.append(response.text)
    return "\n".join(texts)


async def test_erasure_shreds_the_review_reason_and_the_evidence_references(stack: Any) -> None:
    tag = uuid.uuid4().hex[:10]
    v_number = f"V{int(tag, 16) % 10**10:010d}"
    name = f"Zeldzaam{tag}"
    interpreter = f"TOLK-{tag}"
    reason = f"Spoke with {name} and son {name}-junior; {v_number} agrees to IOM first."
    canaries = [v_number, name, interpreter, tag]

    case_id = await stack.open_case(has_minors=True)
    other_case = await stack.open_case()
    partner = await stack.register_partner()
    evidence = {
        **stack.consent_body(partner["partner_id"])["evidence"],
        "form_reference": v_number,
        "interpreter_reference": interpreter,
    }
    granted = await stack.grant(case_id, partner["partner_id"], evidence=evidence)
    assert granted.status_code == 201, granted.text
    assert granted.json()["evidence"]["form_reference"] == v_number
    assert granted.json()["evidence"]["interpreter_reference"] == interpreter
    other = await stack.grant(other_case, partner["partner_id"])
    referral = (await stack.refer(case_id, partner["partner_id"])).json()
    assert referral["status"] == "awaiting_review", referral
    reviewed = await stack.http.post(
        f"/referrals/{referral['referral_id']}/review",
        json={"decision": "approve", "reason": reason},
        headers=stack.token(Role.COORDINATOR, "co-1"),
    )
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["review"]["reason"] == reason
    assert reviewed.json()["review"]["reason_removed"] is None
    consent_id = granted.json()["consent_id"]

    # At rest the text is sealed already: neither the dump nor the raw bytes hold it (the
    # dump does hold the plaintext staff data, so it is a real dump of this database).
    for stored in (await pg_dump(stack), await every_stored_byte(stack)):
        assert "co-1" in stored
        assert "counsellor-7" in stored
        assert not [c for c in canaries if c in stored]

    await stack.publish(
        PersonErased(case_id=case_id, erased_at=datetime.now(UTC)),
        Topic.CASEFILE_EVENTS,
        "urn:council-hub:casefile",
    )

    async def erased() -> bool:
        view = await stack.http.get(f"/cases/{case_id}/view", headers=stack.token(Role.COUNSELLOR))
        return bool(view.json()["erased"])

    await wait_until(erased)

    answers = await _answers(stack, case_id, referral["referral_id"], consent_id)
    assert not [c for c in canaries if c in answers]
    one = (
        await stack.http.get(
            f"/referrals/{referral['referral_id']}", headers=stack.token(Role.COUNSELLOR)
        )
    ).json()
    assert (one["review"]["reason"], one["review"]["reason_removed"]) == (None, "person_erased")
    assert one["review"]["reviewed_by"] == "co-1"  # staff data stays: who decided
    [listed] = (
        await stack.http.get(f"/cases/{case_id}/referrals", headers=stack.token(Role.COUNSELLOR))
    ).json()
    assert listed["review"]["reason_removed"] == "person_erased"
    [consent] = await stack.consents(case_id)
    assert consent["evidence"]["form_reference"] is None
    assert consent["evidence"]["interpreter_reference"] is None
    assert consent["evidence"]["references_removed"] == "person_erased"
    assert consent["evidence"]["taken_by"] == "counsellor-7"

    for stored in (await pg_dump(stack), await every_stored_byte(stack)):
        assert not [c for c in canaries if c in stored]
    key = await stack.runtime.context.pool.fetchrow(
        "SELECT wrapped_key, shredded_at FROM case_keys WHERE case_id = $1", case_id
    )
    assert key["wrapped_key"] is None
    assert key["shredded_at"] is not None

    # Another person's key is untouched: their evidence still reads.
    still = await stack.http.get(
        f"/consents/{other.json()['consent_id']}", headers=stack.token(Role.COUNSELLOR)
    )
    assert still.json()["evidence"]["form_reference"] == "FORM-123"
    assert still.json()["evidence"]["references_removed"] is None


async def test_nothing_new_is_sealed_for_an_erased_person(stack: Any) -> None:
    """A consent for an erased person is refused (410), and no key is made again."""
    case_id = await stack.open_case()
    partner = await stack.register_partner()
    await stack.publish(
        PersonErased(case_id=case_id, erased_at=datetime.now(UTC)),
        Topic.CASEFILE_EVENTS,
        "urn:council-hub:casefile",
    )
    pool = stack.runtime.context.pool

    async def shredded() -> bool:
        row = await pool.fetchrow("SELECT shredded_at FROM case_keys WHERE case_id = $1", case_id)
        return row is not None and row["shredded_at"] is not None

    await wait_until(shredded)
    refused = await stack.grant(case_id, partner["partner_id"])
    assert (refused.status_code, refused.json()["error"]) == (410, "person_erased")
    wrapped = await pool.fetchval("SELECT wrapped_key FROM case_keys WHERE case_id = $1", case_id)
    assert wrapped is None
