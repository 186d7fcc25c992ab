"""Migration 0020's start-up step: texts sealed NFD by an older version (before the one text
type) are re-sealed in NFC under the same key, only where NFC changes them; a second pass
changes nothing; an erased person is skipped (issue 13 item 1)."""

import unicodedata
import uuid
from datetime import date
from typing import Any

import pytest
from casefile import workers
from casefile.bootstrap import deps
from casefile.deps import Deps
from casefile.domain.crypto import Sealed
from casefile.domain.model import HouseholdMember, Person
from casefile.handlers.efforts import evidence_purpose, note_purpose
from casefile.repository.efforts import EffortRow, PgEfforts
from casefile.repository.persons import PgPersons
from casefile.unit_of_work import CasefileUnitOfWork
from hub_runtime.auth import Role

pytestmark = pytest.mark.integration

# Decomposed spellings (e + U+0308, g + U+0306, ...): what a macOS keyboard or a form without
# normalisation sent before the text type, and what the vault sealed as it came.
NAME = unicodedata.normalize("NFD", "Zoë Ğüneş-Çelik")
CHILD = unicodedata.normalize("NFD", "Ayşe Ğüneş")
NOTE = unicodedata.normalize("NFD", "Ambassade zegt: paspoort ná de zomer")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def old_person() -> Person:
    return Person(
        name=NAME,
        date_of_birth=date(1987, 4, 23),
        phone="+31 6 9876 5432",
        languages=("tr",),
        medical_needs="Needs insulin daily",
        household=(HouseholdMember("child", date(2019, 2, 28), CHILD),),
    )


async def store_as_old_version(cf: Any, wired: Deps, case_id: uuid.UUID) -> uuid.UUID:
    """The person and an effort note sealed NFD through the vault, bypassing the text type,
    and the key unchecked as migration 0020 leaves keys stored before it. Returns the
    effort's id."""
    effort_id = uuid.uuid4()
    async with CasefileUnitOfWork(cf.runtime.context.pool) as uow:
        await wired.vault.replace_person(uow.persons, case_id, old_person())
        note = await wired.vault.seal_text(uow.persons, case_id, note_purpose(effort_id), NOTE)
        await uow.efforts.add(
            EffortRow(
                effort_id,
                case_id,
                "embassy_visit",
                cf.today(),
                "embassy",
                "refused",
                None,
                note,
                "alice",
            )
        )
        await uow.conn.execute(
            "UPDATE person_keys SET texts_nfc = false WHERE case_id = $1", case_id
        )
        await uow.commit()
    return effort_id


async def ciphertexts(cf: Any, case_id: uuid.UUID) -> dict[str, Sealed]:
    """Every sealed text of the person as stored: categories and effort notes."""
    async with cf.runtime.context.pool.acquire() as conn:
        sealed = await PgPersons(conn).fields(case_id)
        for effort in await PgEfforts(conn).of_case(case_id):
            if effort.note is not None:
                sealed[note_purpose(effort.effort_id)] = effort.note
    return sealed


async def opened(cf: Any, wired: Deps, case_id: uuid.UUID, purpose: str, s: Sealed) -> Any:
    """The stored plaintext exactly (open_value does not normalise, unlike the vault's read)."""
    async with cf.runtime.context.pool.acquire() as conn:
        return await wired.vault.open_value(PgPersons(conn), case_id, purpose, s)


async def test_older_nfd_texts_are_resealed_in_nfc_once(casefile: Any) -> None:
    wired = deps(casefile.settings)
    ctx = casefile.runtime.context
    kept = uuid.UUID(await casefile.open_case())
    erased = uuid.UUID(await casefile.open_case())
    # A person stored since 0020 has passed the text type: nothing to check.
    assert await casefile.fetchval("SELECT bool_and(texts_nfc) FROM person_keys")
    effort_id = await store_as_old_version(casefile, wired, kept)
    await store_as_old_version(casefile, wired, erased)
    before = await ciphertexts(casefile, kept)
    identity = await opened(casefile, wired, kept, "identity", before["identity"])
    assert identity["name"] == NAME != nfc(NAME)  # the old NFD bytes are really stored

    coordinator = casefile.token(Role.COORDINATOR)
    response = await casefile.http.delete(f"/cases/{erased}/person", headers=coordinator)
    assert response.status_code == 200, response.text
    erased_before = await ciphertexts(casefile, erased)

    # identity (name), household (child's name) and the note; contact and medical unchanged.
    assert await workers.normalise_stored_texts(ctx, wired) == 3
    after = await ciphertexts(casefile, kept)
    identity = await opened(casefile, wired, kept, "identity", after["identity"])
    household = await opened(casefile, wired, kept, "household", after["household"])
    note = await opened(
        casefile, wired, kept, note_purpose(effort_id), after[note_purpose(effort_id)]
    )
    assert identity["name"] == nfc(NAME)
    assert household["members"][0]["name"] == nfc(CHILD)
    assert note == nfc(NOTE)
    assert identity["date_of_birth"] == "1987-04-23"  # everything else as it was
    assert after["contact"] == before["contact"]
    assert after["medical_needs"] == before["medical_needs"]
    assert after["identity"] != before["identity"]
    # The erased person's ciphertexts are untouched noise (no key, never visited).
    assert await ciphertexts(casefile, erased) == erased_before
    assert not await casefile.fetchval("SELECT count(*) FROM person_keys WHERE NOT texts_nfc")

    # A second pass finds nobody; even with the marks reset it rewrites nothing.
    assert await workers.normalise_stored_texts(ctx, wired) == 0
    await ctx.pool.execute("UPDATE person_keys SET texts_nfc = false")
    assert await workers.normalise_stored_texts(ctx, wired) == 0
    assert await ciphertexts(casefile, kept) == after

    # The re-sealed ciphertexts still open through the API (same key, same associated data).
    view = await casefile.http.get(f"/cases/{kept}", headers=casefile.token(Role.COUNSELLOR))
    assert view.json()["person"]["identity"]["name"] == nfc(NAME)


async def test_older_plaintext_evidence_is_sealed_in_nfc(casefile: Any) -> None:
    """The 0011 sealer may run after the 0020 pass checked the person: it seals NFC itself."""
    wired = deps(casefile.settings)
    case_id = uuid.UUID(await casefile.open_case(stage="final_rejection"))
    ref = unicodedata.normalize("NFD", "brief-ambassade:Çelik/ü")
    effort_id = uuid.uuid4()
    await casefile.runtime.context.pool.execute(
        "INSERT INTO efforts (effort_id, case_id, kind, occurred_on, authority, outcome,"
        " evidence_refs, recorded_by) VALUES ($1, $2, 'embassy_visit', $3, 'embassy',"
        " 'refused', $4, 'alice')",
        effort_id,
        case_id,
        casefile.today(),
        [ref],
    )
    assert await workers.seal_legacy_evidence(casefile.runtime.context, wired) == 1
    async with casefile.runtime.context.pool.acquire() as conn:
        (effort,) = await PgEfforts(conn).of_case(case_id)
        assert effort.evidence is not None
        refs = await wired.vault.open_value(
            PgPersons(conn), case_id, evidence_purpose(effort_id), effort.evidence
        )
    assert refs == [nfc(ref)] != [ref]
