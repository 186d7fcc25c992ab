"""Erasure by crypto-shredding, its tombstone, and erasure after the retention period."""

import asyncio
import shutil
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from casefile import workers
from casefile.bootstrap import deps
from casefile.domain import crypto
from casefile.domain.deadlines import AMSTERDAM
from hub_contracts import Envelope, Topic
from hub_runtime.auth import Role
from hub_runtime.db import dsn_for_database
from hub_runtime.testing import read_all, wait_until

from ._consents import consent_granted, consent_known, disclosure_request, partner_registered

pytestmark = pytest.mark.integration

NOTE = "Bezocht ambassade met broer Yusuf-Zeldzaam"
V_NUMBER = "v-nummer:3012345678"  # an evidence reference: personal, sealed, shredded


async def pg_dump(cf: Any) -> str:
    """The whole casefile database as `pg_dump` writes it (schema and data)."""
    executable = shutil.which("pg_dump")
    assert executable is not None, "pg_dump is needed for this test"
    process = await asyncio.create_subprocess_exec(
        executable,
        "--no-owner",
        dsn_for_database(cf.hub.pg_dsn, cf.settings.database),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode("utf-8", errors="replace")


def _seeded(cf: Any) -> list[str]:
    return [cf.NAME, cf.PHONE, "insulin", NOTE, "Kind Testpersoon", V_NUMBER, "3012345678"]


async def everything_stored(cf: Any) -> str:
    """Every value of every table, bytea as raw bytes (a dump shows those only as hex)."""
    pool = cf.runtime.context.pool
    tables = await pool.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    )
    parts: list[str] = []
    for table in tables:
        for row in await pool.fetch(f'SELECT * FROM "{table["tablename"]}"'):
            for value in row.values():
                if isinstance(value, bytes):
                    parts.append(value.decode("latin-1"))
                else:
                    parts.append(str(value))
    return "\n".join(parts)


async def _case_with_effort(cf: Any) -> str:
    case_id = str(await cf.open_case())
    response = await cf.http.post(
        f"/cases/{case_id}/efforts",
        json={
            "kind": "embassy_visit",
            "occurred_on": cf.today().isoformat(),
            "authority": "embassy",
            "outcome": "refused",
            "evidence_refs": [V_NUMBER],
            "note": NOTE,
        },
        headers=cf.token(Role.COUNSELLOR),
    )
    assert response.status_code == 201, response.text
    return case_id


async def test_a_database_dump_holds_no_personal_data_in_plaintext(casefile: Any) -> None:
    case_id = await _case_with_effort(casefile)
    # The data is there (readable through the API) ...
    view = await casefile.http.get(f"/cases/{case_id}", headers=casefile.token(Role.COUNSELLOR))
    assert view.json()["person"]["identity"]["name"] == casefile.NAME
    # ... but a dump of the database shows none of it.
    dump = await pg_dump(casefile)
    stored = await everything_stored(casefile)
    assert "person_fields" in dump
    assert case_id in dump
    for secret in _seeded(casefile):
        assert secret not in dump
        assert secret not in stored


async def test_erasure_shreds_the_key_and_every_api_answers_gone(casefile: Any) -> None:
    case_id = await _case_with_effort(casefile)
    partner = partner_registered("ngo")
    consent = consent_granted(
        case_id,
        partner.partner_id,
        data_categories=["identity"],
        valid_until=date.today() + timedelta(days=10),
    )
    await casefile.publish(partner)
    await casefile.publish(consent)
    await consent_known(casefile, consent)
    disclosure = disclosure_request(consent)
    service = casefile.token(Role.SERVICE, "partner-gateway")
    before = await casefile.http.post("/internal/disclosures", json=disclosure, headers=service)
    assert before.status_code == 200, before.text

    async def all_published() -> bool:
        return not await casefile.fetchval(
            "SELECT count(*) FROM hub_outbox WHERE published_at IS NULL"
        )

    await wait_until(all_published)
    # The youngest child's 18th birthday (family-location end) is stored before erasure.
    assert "2037-02-28" in await everything_stored(casefile)
    ciphertexts = await casefile.runtime.context.pool.fetch(
        "SELECT category, nonce, ciphertext FROM person_fields WHERE case_id = $1",
        uuid.UUID(case_id),
    )

    counsellor = casefile.token(Role.COUNSELLOR)
    refused = await casefile.http.delete(f"/cases/{case_id}/person", headers=counsellor)
    assert refused.status_code == 403
    coordinator = casefile.token(Role.COORDINATOR, "coord")
    erased = await casefile.http.delete(f"/cases/{case_id}/person", headers=coordinator)
    assert erased.status_code == 200, erased.text

    # Every API answers 410 for the person's data.
    assert (await casefile.http.get(f"/cases/{case_id}", headers=counsellor)).status_code == 410
    dossier = await casefile.http.get(f"/cases/{case_id}/buitenschuld-dossier", headers=counsellor)
    assert dossier.status_code == 410
    after = await casefile.http.post("/internal/disclosures", json=disclosure, headers=service)
    assert after.status_code == 410
    decision = await casefile.http.post(
        f"/cases/{case_id}/decision",
        json={"decision": "undecided", "decided_on": casefile.today().isoformat()},
        headers=counsellor,
    )
    assert decision.status_code == 410
    again = await casefile.http.delete(f"/cases/{case_id}/person", headers=coordinator)
    assert again.status_code == 410

    # The tombstone says who, when and why; the access log keeps the refused attempt.
    stone = (await casefile.http.get(f"/cases/{case_id}/erasure", headers=coordinator)).json()
    assert (stone["erased_by"], stone["reason"]) == ("coord", "request")
    log = (await casefile.http.get(f"/cases/{case_id}/access-log", headers=coordinator)).json()
    assert log["items"][-1]["outcome"] == "refused:person_erased"

    # The ciphertexts are still there, but no key in the database opens them any more.
    pool = casefile.runtime.context.pool
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM person_keys WHERE case_id = $1", uuid.UUID(case_id)
        )
        == 0
    )
    kek = crypto.derive_kek(casefile.settings.master_key.get_secret_value())
    keys = await pool.fetch("SELECT case_id, nonce, wrapped_key FROM person_keys")
    for row in ciphertexts:
        sealed = crypto.Sealed(row["nonce"], row["ciphertext"])
        for key_row in keys:
            key = crypto.unwrap_key(
                kek, crypto.Sealed(key_row["nonce"], key_row["wrapped_key"]), key_row["case_id"]
            )
            with pytest.raises(crypto.DecryptionError):
                crypto.decrypt_json(key, uuid.UUID(case_id), row["category"], sealed)

    dump = await pg_dump(casefile)
    stored = await everything_stored(casefile)
    for secret in [*_seeded(casefile), "2037-02-28", casefile.BIRTH]:
        assert secret not in dump
        assert secret not in stored

    async def person_erased_published() -> bool:
        records = await read_all(casefile.hub, casefile.hub.topic(Topic.CASEFILE_EVENTS))
        return any(
            Envelope.from_bytes(r.value).type == "council.casefile.PersonErased.v1"
            and Envelope.from_bytes(r.value).subject == case_id
            for r in records
        )

    await wait_until(person_erased_published)


async def test_retention_erases_persons_of_cases_closed_long_enough(
    start_casefile: Any, make_clock: Any
) -> None:
    clock = make_clock(datetime(2026, 1, 10, 12, tzinfo=AMSTERDAM))
    cf = await start_casefile(clock=clock, retention_days=30)
    headers = cf.token(Role.COUNSELLOR)
    closed = await cf.open_case()
    still_open = await cf.open_case()
    response = await cf.http.post(
        f"/cases/{closed}/close", json={"closed_on": "2026-01-10"}, headers=headers
    )
    assert response.status_code == 200, response.text
    wired = deps(cf.settings, clock)

    clock.now = datetime(2026, 2, 9, 12, tzinfo=AMSTERDAM)  # 30 days: not yet
    assert await workers.retention_pass(cf.runtime.context, wired, 30) == 0
    clock.now = datetime(2026, 2, 10, 12, tzinfo=AMSTERDAM)  # 31 days
    assert await workers.retention_pass(cf.runtime.context, wired, 30) == 1
    assert await workers.retention_pass(cf.runtime.context, wired, 30) == 0

    assert (await cf.http.get(f"/cases/{closed}", headers=headers)).status_code == 410
    assert (await cf.http.get(f"/cases/{still_open}", headers=headers)).status_code == 200
    stone = await cf.http.get(f"/cases/{closed}/erasure", headers=cf.token(Role.ADMIN, "root"))
    assert stone.json()["erased_by"] == "retention"
