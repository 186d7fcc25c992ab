"""Rotation of REFERRAL_MASTER_KEY on the real PostgreSQL: consent evidence references stay
readable through both rollout phases, `python -m referral.rotate` (a real process) re-wraps
every live case key, the new key alone reads them afterwards, and a case erased before the
rotation stays shredded."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hub_contracts import PersonErased, Topic
from hub_runtime.auth import Role
from hub_runtime.testing import wait_until

pytestmark = pytest.mark.integration

OLD = "old-referral-key-5c2e8a1f7b3d9e4c6a0b2d8f1e7c3a9b"
NEW = "new-referral-key-8f1d3b7e2a9c4f6e0d5b1a3c7e9f2d4b"


def run_rotate(stack: Any, database: str, **settings: str) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "REFERRAL_"))}
    env = {
        **keep,
        "HUB_ENV": "development",  # the test's secrets are not random enough for production
        "HUB_PG_DSN": stack.hub.pg_dsn,
        "REFERRAL_DATABASE": database,
        **{f"REFERRAL_{k.upper()}": v for k, v in settings.items()},
    }
    return subprocess.run(
        [sys.executable, "-m", "referral.rotate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def evidence(stack: Any, consent_id: str) -> str:
    answer = await stack.http.get(f"/consents/{consent_id}", headers=stack.token(Role.COUNSELLOR))
    assert answer.status_code == 200, answer.text
    return str(answer.json()["evidence"]["form_reference"])


async def versions(stack: Any) -> dict[Any, int]:
    rows = await stack.runtime.context.pool.fetch(
        "SELECT kek_version, count(*) AS n FROM case_keys GROUP BY kek_version"
    )
    return {r["kek_version"]: r["n"] for r in rows}


async def test_rotation_rewraps_every_case_key_and_shredded_stays_shredded(
    stack_factory: Any, fresh_database: str
) -> None:
    before = await stack_factory(master_key=OLD)
    partner = (await before.register_partner())["partner_id"]
    consents: dict[uuid.UUID, str] = {}
    for _ in range(3):
        case_id = await before.open_case()
        body = before.consent_body(partner)
        body["evidence"]["form_reference"] = f"FORM-{case_id.hex[:8]}"
        granted = await before.grant(case_id, partner, evidence=body["evidence"])
        assert granted.status_code == 201, granted.text
        consents[case_id] = granted.json()["consent_id"]
    erased_case = next(iter(consents))
    await before.publish(
        PersonErased(case_id=erased_case, erased_at=datetime.now(UTC)),
        Topic.CASEFILE_EVENTS,
        "urn:council-hub:casefile",
    )

    async def shredded() -> bool:
        return (await versions(before)).get(None) == 1

    await wait_until(shredded)
    assert await versions(before) == {1: 2, None: 1}

    phase1 = await stack_factory(master_key=OLD, next_master_key=NEW)
    phase2 = await stack_factory(master_key=NEW, master_key_version=2, previous_master_key=OLD)
    live = [c for c in consents if c != erased_case]
    for case_id in live:
        for instance in (phase1, phase2):
            assert await evidence(instance, consents[case_id]) == f"FORM-{case_id.hex[:8]}"

    refused = await asyncio.to_thread(
        run_rotate, phase2, fresh_database, master_key=NEW, master_key_version="2"
    )
    assert refused.returncode == 1
    assert "no master key of version 1" in refused.stderr
    done = await asyncio.to_thread(
        run_rotate,
        phase2,
        fresh_database,
        master_key=NEW,
        master_key_version="2",
        previous_master_key=OLD,
    )
    assert done.returncode == 0, done.stderr
    assert "v2: 2" in done.stdout
    assert await versions(phase2) == {2: 2, None: 1}  # the shredded key stayed shredded

    after = await stack_factory(master_key=NEW, master_key_version=2)
    for case_id in live:
        assert await evidence(after, consents[case_id]) == f"FORM-{case_id.hex[:8]}"
    erased = await after.http.get(
        f"/consents/{consents[erased_case]}", headers=after.token(Role.COUNSELLOR)
    )
    assert erased.status_code == 200
    assert "FORM-" not in erased.text
