"""Referral's free text under a per-case key of its own, shredded when the person is erased.

What a member of staff types that may carry the person's data (the coordinator's review
reason, the consent's form and interpreter references, where a V-number naturally goes) is
sealed under the case's data key (AES-GCM, ``hub_runtime.crypto``, the same scheme as
casefile's vault); the database keeps that key only wrapped by the referral master key
(``REFERRAL_MASTER_KEY``). ``PersonErased`` destroys the key: every sealed value of the case,
in the database and in any dump or backup of it, can never be read again.

Why a key of referral's own rather than the text in casefile's vault: referral must answer its
own API and record a review within its own transaction, without a synchronous call to casefile
(which may be down or behind); the erasure event reaches referral anyway (it already withdraws
the open referrals then), so the key dies in the same transaction as that withdrawal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from hub_runtime import crypto
from hub_runtime.errors import GoneError

from referral.repository import CaseKeyRepository

KEK_CONTEXT = "referral"


class Removed(StrEnum):
    """Why a sealed field answers null: a closed marker, never a 5xx."""

    PERSON_ERASED = "person_erased"
    """The case's key was destroyed when the person was erased (GDPR art. 17)."""
    CLEARED_BY_MIGRATION = "cleared_by_migration"
    """Written in plaintext before migration 0021, which dropped it (README)."""


@dataclass(frozen=True)
class Opened:
    """A sealed field as read: its value, or None and why it is gone."""

    value: Any
    removed: Removed | None = None


def consent_evidence(consent_id: UUID) -> str:
    """The category (associated data) of a consent's evidence references."""
    return f"consent_evidence:{consent_id}"


def review_reason(referral_id: UUID) -> str:
    """The category (associated data) of a review's written reason."""
    return f"review_reason:{referral_id}"


def _person_erased() -> GoneError:
    return GoneError(
        "The person's data has been erased: nothing can be recorded about them.",
        code="person_erased",
    )


class CaseTexts:
    """The sealed fields of one case, opened with its key (read once per case)."""

    def __init__(self, case_id: UUID, key: bytes | None, *, shredded: bool) -> None:
        self._case_id = case_id
        self._key = key
        self._shredded = shredded

    def open(self, category: str, packed: bytes | None) -> Opened:
        """The value sealed under ``category``; null with the reason when it is gone.

        Raises ``crypto.DecryptionError`` when a value does not authenticate (a wrong master
        key or a tampered row): an operator's problem, not a person's erasure.
        """
        if self._shredded:
            return Opened(None, Removed.PERSON_ERASED)
        if packed is None:
            return Opened(None, Removed.CLEARED_BY_MIGRATION)
        if self._key is None:
            raise crypto.DecryptionError("a sealed value of a case that has no key")
        sealed = crypto.Sealed.unpacked(packed)
        return Opened(crypto.decrypt_json(self._key, self._case_id, category, sealed))


class CaseVault:
    """Seals and opens referral's free text per case; the only holder of the KEKs
    (``keyring``: by version, see `hub_runtime.crypto.Keyring`; a string: version 1 alone)."""

    def __init__(self, keyring: crypto.Keyring | str) -> None:
        self._keyring = (
            crypto.Keyring.of(KEK_CONTEXT, keyring) if isinstance(keyring, str) else keyring
        )

    async def rewrap_keys(self, keys: CaseKeyRepository, limit: int) -> int:
        """Master-key rotation, one batch: up to ``limit`` case keys under an older KEK version
        wrapped again under the current one (the case keys, so every sealed text, unchanged).
        Returns how many (0: done). Raises ``crypto.UnknownKekVersionError`` when a key's
        version is not in the keyring."""
        done = 0
        for case_id, (wrapped, version) in (
            await keys.to_rewrap(self._keyring.current, limit)
        ).items():
            key = self._keyring.unwrap(version, crypto.Sealed.unpacked(wrapped), case_id)
            current, rewrapped = self._keyring.wrap(key, case_id)
            done += await keys.rewrap(case_id, version, rewrapped.packed(), current)
        return done

    async def seal(
        self, keys: CaseKeyRepository, case_id: UUID, category: str, value: Any
    ) -> bytes:
        """``value`` (JSON) sealed under the case's key, packed for one bytea column.

        Makes the case's key on first use. Raises ``GoneError`` ``person_erased`` (410)
        once the key was shredded: nothing new is ever sealed for an erased person.
        """
        key = await self._key(keys, case_id)
        if key is None:
            raise _person_erased()
        return crypto.encrypt_json(key, case_id, category, value).packed()

    async def texts(self, keys: CaseKeyRepository, case_id: UUID) -> CaseTexts:
        """The opener for the case's sealed fields (a case with no key yet has nothing sealed:
        its fields are legacy rows, answered as cleared)."""
        exists, wrapped, version = await keys.get(case_id)
        if exists and wrapped is None:
            return CaseTexts(case_id, None, shredded=True)
        key = None if wrapped is None else self._unwrap(wrapped, version, case_id)
        return CaseTexts(case_id, key, shredded=False)

    async def shred(self, keys: CaseKeyRepository, case_id: UUID, at: datetime) -> None:
        """Destroy the case's key for good (erasure, GDPR art. 17); idempotent."""
        await keys.shred(case_id, at)

    async def _key(self, keys: CaseKeyRepository, case_id: UUID) -> bytes | None:
        """The case's key, made on first use; None once shredded."""
        exists, wrapped, version = await keys.get(case_id)
        if not exists:
            key = crypto.new_person_key()
            current, wrapped_new = self._keyring.wrap(key, case_id)
            await keys.add(case_id, wrapped_new.packed(), current)
            # Another transaction may have made one first: use whichever is stored.
            _, wrapped, version = await keys.get(case_id)
        if wrapped is None:
            return None
        return self._unwrap(wrapped, version, case_id)

    def _unwrap(self, wrapped: bytes, version: int | None, case_id: UUID) -> bytes:
        # Keys stored before versions were read (migration 0021) are version 1.
        sealed = crypto.Sealed.unpacked(wrapped)
        return self._keyring.unwrap(version or crypto.KEK_VERSION, sealed, case_id)
