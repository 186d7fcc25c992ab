"""Master-key rotation on the real PostgreSQL: instances of both phases read every person
while they run side by side, `python -m casefile.rotate` (a real process) re-wraps every
person's key, and afterwards every person is readable under the new key alone and erasure still
shreds."""

import asyncio
import os
import subprocess
import sys
import uuid
from typing import Any

import pytest
from casefile.domain import crypto
from hub_runtime.auth import Role

pytestmark = pytest.mark.integration

OLD = "old-master-key-4f1c9a7e2b8d6c3a5e0f9b1d7a2c4e6f"
NEW = "new-master-key-9e2d7b4a1c6f3e8d0b5a7c2e4f6a8b1d"


async def versions(cf: Any) -> dict[int, int]:
    rows = await cf.runtime.context.pool.fetch(
        "SELECT kek_version, count(*) AS n FROM person_keys GROUP BY kek_version"
    )
    return {r["kek_version"]: r["n"] for r in rows}


async def read_person(cf: Any, case_id: str) -> Any:
    response = await cf.http.get(f"/cases/{case_id}", headers=cf.token(Role.COUNSELLOR))
    return response


def run_rotate(cf: Any, **settings: str) -> subprocess.CompletedProcess[str]:
    """`python -m casefile.rotate` as an operator runs it, with ``settings`` (CASEFILE_*)."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "CASEFILE_"))}
    env = {
        **keep,
        "HUB_ENV": "development",  # the test's secrets are not random enough for production
        "HUB_PG_DSN": cf.hub.pg_dsn,
        "CASEFILE_DATABASE": cf.settings.database,
        **{f"CASEFILE_{k.upper()}": v for k, v in settings.items()},
    }
    return subprocess.run(
        [sys.executable, "-m", "casefile.rotate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_rotation_keeps_every_person_readable_and_erasure_shreds(
    start_casefile: Any,
) -> None:
    before = await start_casefile(master_key=OLD)
    old_cases = [await before.open_case() for _ in range(3)]
    assert await versions(before) == {1: 3}

    # Phase 1: an instance that knows the next key; phase 2: one switched to it. Side by side
    # (a rolling restart), each reads what the other wrapped.
    phase1 = await start_casefile(master_key=OLD, next_master_key=NEW)
    phase2 = await start_casefile(master_key=NEW, master_key_version=2, previous_master_key=OLD)
    new_case = await phase2.open_case()
    assert await versions(phase2) == {1: 3, 2: 1}
    for case_id in [*old_cases, new_case]:
        for instance in (phase1, phase2):
            answer = await read_person(instance, case_id)
            assert answer.status_code == 200, answer.text
            assert answer.json()["person"]["identity"]["name"].startswith(instance.NAME)
    # The instance that knows only the old key cannot read the new person (why phase 1 exists).
    wrapped = await before.runtime.context.pool.fetchrow(
        "SELECT kek_version, nonce, wrapped_key FROM person_keys WHERE case_id = $1",
        uuid.UUID(new_case),
    )
    with pytest.raises(crypto.UnknownKekVersionError):
        crypto.keyring(OLD).unwrap(
            wrapped["kek_version"],
            crypto.Sealed(wrapped["nonce"], wrapped["wrapped_key"]),
            uuid.UUID(new_case),
        )

    # Without the previous key the operator command refuses to go on, and changes nothing.
    await before.stop()
    await phase1.stop()
    # In a thread: the services in this process keep their event loop (Kafka heartbeats).
    refused = await asyncio.to_thread(run_rotate, phase2, master_key=NEW, master_key_version="2")
    assert refused.returncode == 1
    assert "no master key of version 1" in refused.stderr
    assert await versions(phase2) == {1: 3, 2: 1}

    done = await asyncio.to_thread(
        run_rotate, phase2, master_key=NEW, master_key_version="2", previous_master_key=OLD
    )
    assert done.returncode == 0, done.stderr
    assert "v2: 4" in done.stdout
    assert await versions(phase2) == {2: 4}

    # Step 4: the new key alone reads every person.
    after = await start_casefile(master_key=NEW, master_key_version=2)
    for case_id in [*old_cases, new_case]:
        answer = await read_person(after, case_id)
        assert answer.status_code == 200, answer.text
        assert answer.json()["person"]["identity"]["name"].startswith(after.NAME)

    # Erasure still shreds: the key row is gone, the ciphertexts stay but no key opens them,
    # and the tombstone records the version the destroyed key was under.
    erased_id = old_cases[0]
    coordinator = after.token(Role.COORDINATOR, "coord")
    erased = await after.http.delete(f"/cases/{erased_id}/person", headers=coordinator)
    assert erased.status_code == 200, erased.text
    assert (await read_person(after, erased_id)).status_code == 410
    pool = after.runtime.context.pool
    case_uuid = uuid.UUID(erased_id)
    assert (
        await pool.fetchval("SELECT count(*) FROM person_keys WHERE case_id = $1", case_uuid) == 0
    )
    assert (
        await pool.fetchval(
            "SELECT kek_version FROM erasure_tombstones WHERE case_id = $1", case_uuid
        )
        == 2
    )
    ciphertexts = await pool.fetch(
        "SELECT category, nonce, ciphertext FROM person_fields WHERE case_id = $1", case_uuid
    )
    assert ciphertexts  # still stored: shredding destroys the key, not every copy of the data
    ring = crypto.keyring(NEW, 2, previous=OLD)
    for key_row in await pool.fetch(
        "SELECT case_id, kek_version, nonce, wrapped_key FROM person_keys"
    ):
        other_key = ring.unwrap(
            key_row["kek_version"],
            crypto.Sealed(key_row["nonce"], key_row["wrapped_key"]),
            key_row["case_id"],
        )
        for row in ciphertexts:
            with pytest.raises(crypto.DecryptionError):
                crypto.decrypt_json(
                    other_key,
                    case_uuid,
                    row["category"],
                    crypto.Sealed(row["nonce"], row["ciphertext"]),
                )
    # The others are untouched by the erasure.
    for case_id in [*old_cases[1:], new_case]:
        assert (await read_person(after, case_id)).status_code == 200
