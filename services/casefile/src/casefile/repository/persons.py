"""SQL of the person's sealed data: the wrapped key and the ciphertext per category."""

from collections.abc import Sequence
from uuid import UUID

from hub_runtime.db import Connection

from casefile.domain.crypto import Sealed, WrappedKey


class PgPersons:
    """Person keys and sealed fields in PostgreSQL (`protocols.Persons`)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add_key(self, case_id: UUID, wrapped: Sealed, kek_version: int) -> None:
        """Store the person's key, wrapped by the key-encryption key ``kek_version``."""
        await self._conn.execute(
            "INSERT INTO person_keys (case_id, kek_version, nonce, wrapped_key)"
            " VALUES ($1, $2, $3, $4)",
            case_id,
            kek_version,
            wrapped.nonce,
            wrapped.ciphertext,
        )

    async def key(self, case_id: UUID) -> WrappedKey | None:
        """The wrapped key and its KEK version, or None once it was destroyed (erasure)."""
        row = await self._conn.fetchrow(
            "SELECT kek_version, nonce, wrapped_key FROM person_keys WHERE case_id = $1", case_id
        )
        if row is None:
            return None
        return WrappedKey(row["kek_version"], Sealed(row["nonce"], row["wrapped_key"]))

    async def keys_to_rewrap(self, current: int, limit: int) -> dict[UUID, WrappedKey]:
        """Up to ``limit`` keys wrapped under a KEK version other than ``current``, by case,
        locked until the transaction ends (a second rotation process skips them; an erasure
        of one of them waits, then finds the key re-wrapped and destroys it)."""
        rows = await self._conn.fetch(
            "SELECT case_id, kek_version, nonce, wrapped_key FROM person_keys"
            " WHERE kek_version <> $1 ORDER BY case_id LIMIT $2 FOR UPDATE SKIP LOCKED",
            current,
            limit,
        )
        return {
            r["case_id"]: WrappedKey(r["kek_version"], Sealed(r["nonce"], r["wrapped_key"]))
            for r in rows
        }

    async def rewrap_key(self, case_id: UUID, old_version: int, new: WrappedKey) -> bool:
        """Replace the key wrapped under ``old_version`` by ``new`` (the same key, re-wrapped).
        Only updates, never inserts: a key erased meanwhile stays erased. True when replaced."""
        result = await self._conn.execute(
            "UPDATE person_keys SET kek_version = $3, nonce = $4, wrapped_key = $5"
            " WHERE case_id = $1 AND kek_version = $2",
            case_id,
            old_version,
            new.version,
            new.sealed.nonce,
            new.sealed.ciphertext,
        )
        return result.endswith(" 1")

    async def count_keys_by_version(self) -> dict[int, int]:
        """How many live keys are wrapped under each KEK version."""
        rows = await self._conn.fetch(
            "SELECT kek_version, count(*) AS n FROM person_keys GROUP BY kek_version"
        )
        return {r["kek_version"]: r["n"] for r in rows}

    async def destroy_key(self, case_id: UUID) -> bool:
        """Overwrite, then delete: the live row is gone, and the overwrite leaves no old
        version with the real wrapped key behind a later VACUUM (`vacuum_keys`). True when
        there was a key."""
        await self._conn.execute(
            "UPDATE person_keys SET nonce = '\\x00'::bytea, wrapped_key = '\\x00'::bytea"
            " WHERE case_id = $1",
            case_id,
        )
        result = await self._conn.execute("DELETE FROM person_keys WHERE case_id = $1", case_id)
        return result.endswith(" 1")

    async def put_fields(self, case_id: UUID, fields: dict[str, Sealed]) -> None:
        """Insert or replace sealed values by category or purpose (one round trip)."""
        await self._conn.executemany(
            "INSERT INTO person_fields (case_id, category, nonce, ciphertext)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (case_id, category)"
            " DO UPDATE SET nonce = EXCLUDED.nonce, ciphertext = EXCLUDED.ciphertext",
            [(case_id, c, s.nonce, s.ciphertext) for c, s in fields.items()],
        )

    async def delete_fields_except(self, case_id: UUID, keep: Sequence[str]) -> None:
        """Drop the person's categories not in ``keep`` (emptied by a rectification)."""
        await self._conn.execute(
            "DELETE FROM person_fields WHERE case_id = $1 AND NOT (category = ANY($2::text[]))",
            case_id,
            list(keep),
        )

    async def fields(
        self, case_id: UUID, categories: Sequence[str] | None = None
    ) -> dict[str, Sealed]:
        """The sealed categories asked for (every one when None) that exist, by category."""
        if categories is None:
            rows = await self._conn.fetch(
                "SELECT category, nonce, ciphertext FROM person_fields WHERE case_id = $1",
                case_id,
            )
        else:
            rows = await self._conn.fetch(
                "SELECT category, nonce, ciphertext FROM person_fields"
                " WHERE case_id = $1 AND category = ANY($2::text[])",
                case_id,
                list(categories),
            )
        return {r["category"]: Sealed(r["nonce"], r["ciphertext"]) for r in rows}

    async def claim_index(
        self, case_id: UUID, digest: bytes, *, besides: frozenset[UUID] = frozenset()
    ) -> UUID | None:
        """Give the case the blind index ``digest`` (replacing the one it had): None when
        done, else another open case that holds it and is not in ``besides`` (the namesakes a
        counsellor has checked), and nothing changed. Two claims of one digest at the same
        moment are serialised by an advisory lock on the digest until the first commits, so
        the second sees the first's row."""
        await self._conn.execute("DELETE FROM person_index WHERE case_id = $1", case_id)
        await self._conn.execute(
            "SELECT pg_advisory_xact_lock("
            "hashtextextended('person-index:' || encode($1, 'hex'), 0))",
            digest,
        )
        holders = await self._conn.fetch(
            "SELECT case_id FROM person_index WHERE digest = $1 ORDER BY case_id", digest
        )
        other = [r["case_id"] for r in holders if r["case_id"] not in besides]
        if other:
            found: UUID = other[0]
            return found
        await self._conn.execute(
            "INSERT INTO person_index (case_id, digest) VALUES ($1, $2)", case_id, digest
        )
        return None

    async def drop_index(self, case_id: UUID) -> None:
        """Delete the case's blind index (the case closed or the person was erased)."""
        await self._conn.execute("DELETE FROM person_index WHERE case_id = $1", case_id)

    async def cases_to_index(self, after: UUID | None, limit: int, *, every: bool) -> list[UUID]:
        """Up to ``limit`` open cases with a live key, by case id after ``after``: those with
        no blind index yet, or ``every`` one (a new index key). Locks each case row as every
        writer of the person does, skipping rows another transaction holds."""
        rows = await self._conn.fetch(
            "SELECT c.case_id FROM cases c JOIN person_keys k ON k.case_id = c.case_id"
            " LEFT JOIN person_index i ON i.case_id = c.case_id"
            " WHERE c.closed_on IS NULL AND c.erased_at IS NULL"
            " AND ($3 OR i.case_id IS NULL) AND ($1::uuid IS NULL OR c.case_id > $1)"
            " ORDER BY c.case_id LIMIT $2 FOR UPDATE OF c SKIP LOCKED",
            after,
            limit,
            every,
        )
        return [r["case_id"] for r in rows]

    async def index_rows(self) -> int:
        """How many blind index rows exist (for operators and tests)."""
        return int(await self._conn.fetchval("SELECT count(*) FROM person_index"))

    async def claim_not_nfc(self, limit: int) -> list[UUID]:
        """Persons whose sealed texts migration 0020's worker has not checked yet (erased
        persons have no key row, so never appear). Locks the case row too, as every writer of
        the person does, so no write lands between the check and its re-seal; a second
        process skips them."""
        rows = await self._conn.fetch(
            "SELECT k.case_id FROM person_keys k JOIN cases c ON c.case_id = k.case_id"
            " WHERE NOT k.texts_nfc ORDER BY k.case_id LIMIT $1 FOR UPDATE OF k, c SKIP LOCKED",
            limit,
        )
        return [r["case_id"] for r in rows]

    async def mark_nfc(self, case_ids: Sequence[UUID]) -> None:
        """Record that these persons' texts are checked for NFC."""
        await self._conn.execute(
            "UPDATE person_keys SET texts_nfc = true WHERE case_id = ANY($1::uuid[])",
            list(case_ids),
        )


async def vacuum_keys(conn: Connection) -> None:
    """Reclaim dead row versions of destroyed keys (outside any transaction: VACUUM)."""
    await conn.execute("VACUUM person_keys")
