"""Personal data in and out of the database: encryption under the person's key, and nothing else.

The only module that sees plaintext personal fields next to the database. Callers decide
*whether* a read is allowed (and log it); the vault only knows *how*.
"""

import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any
from uuid import UUID

from casefile.domain import crypto
from casefile.domain.model import Person
from casefile.domain.person_index import index_key, person_digest
from casefile.repository.protocols import Persons


class PersonErasedError(Exception):
    """The person's key was destroyed (erasure): their data can never be read again."""


class PersonVault:
    """Seals and opens the person's data under their key, itself wrapped by a key derived
    from the master secret (`casefile.domain.crypto`). Every method raises
    `PersonErasedError` once the key was destroyed.

    ``keyring``: the KEKs by version (a master secret string: version 1 alone);
    ``index_secret``: ``CASEFILE_INDEX_KEY``, the secret of the persons' blind index
    (`casefile.domain.person_index`)."""

    def __init__(self, keyring: crypto.Keyring | str, index_secret: str) -> None:
        self._keyring = crypto.keyring(keyring) if isinstance(keyring, str) else keyring
        self._index_key = index_key(index_secret)

    def index_digest(self, person: Person) -> bytes:
        """The person's blind index (32 bytes: HMAC-SHA256 of the normalised name and the
        birth date under the index key); pseudonymous, stored only in ``person_index``."""
        return person_digest(self._index_key, person.name, person.date_of_birth)

    async def stored_digest(self, persons: Persons, case_id: UUID) -> bytes:
        """The blind index of a stored person (their identity category decrypted in memory
        only); raises `PersonErasedError` when the key is gone."""
        identity = (await self.read(persons, case_id, ["identity"]))["identity"]
        born = date.fromisoformat(identity["date_of_birth"])
        return person_digest(self._index_key, identity["name"], born)

    @property
    def kek_version(self) -> int:
        """The KEK version new and re-wrapped keys get."""
        return self._keyring.current

    async def store_new_person(self, persons: Persons, case_id: UUID, person: Person) -> None:
        """A fresh key for the person, stored wrapped, and each category sealed under it."""
        key = crypto.new_person_key()
        version, wrapped = self._keyring.wrap(key, case_id)
        await persons.add_key(case_id, wrapped, version)
        await persons.put_fields(case_id, self._seal_all(key, case_id, person))

    async def rewrap_keys(self, persons: Persons, limit: int) -> int:
        """Master-key rotation, one batch: up to ``limit`` keys wrapped under an older KEK
        version unwrapped and wrapped again under the current one (the person's key and so
        every ciphertext stay as they are). Returns how many were re-wrapped (0: done).

        Raises :class:`crypto.UnknownKekVersionError` when a key's version is not in the
        keyring (the previous master key is not configured)."""
        rewrapped = 0
        for case_id, stored in (await persons.keys_to_rewrap(self.kek_version, limit)).items():
            key = self._keyring.unwrap(stored.version, stored.sealed, case_id)
            version, wrapped = self._keyring.wrap(key, case_id)
            new = crypto.WrappedKey(version, wrapped)
            rewrapped += await persons.rewrap_key(case_id, stored.version, new)
        return rewrapped

    async def replace_person(self, persons: Persons, case_id: UUID, person: Person) -> None:
        """Re-seal every category under the person's existing key; drop categories now empty."""
        key = await self._key(persons, case_id)
        sealed = self._seal_all(key, case_id, person)
        await persons.put_fields(case_id, sealed)
        await persons.delete_fields_except(case_id, list(sealed))

    @staticmethod
    def _seal_all(key: bytes, case_id: UUID, person: Person) -> dict[str, crypto.Sealed]:
        return {
            category: crypto.encrypt_json(key, case_id, category, value)
            for category, value in person.by_category().items()
        }

    async def _key(self, persons: Persons, case_id: UUID) -> bytes:
        wrapped = await persons.key(case_id)
        if wrapped is None:
            raise PersonErasedError(str(case_id))
        return self._keyring.unwrap(wrapped.version, wrapped.sealed, case_id)

    async def read(
        self, persons: Persons, case_id: UUID, categories: Iterable[str]
    ) -> dict[str, dict[str, Any]]:
        """The decrypted categories that exist for the person (absent ones are left out)."""
        key = await self._key(persons, case_id)
        sealed = await persons.fields(case_id, list(categories))
        return {
            category: _nfc(crypto.decrypt_json(key, case_id, category, value))
            for category, value in sealed.items()
        }

    async def seal_text(
        self, persons: Persons, case_id: UUID, purpose: str, text: str
    ) -> crypto.Sealed:
        """Encrypt a free-text field (e.g. an effort's note) under the person's key."""
        return crypto.encrypt_json(await self._key(persons, case_id), case_id, purpose, text)

    async def seal_value(
        self, persons: Persons, case_id: UUID, purpose: str, value: Any
    ) -> crypto.Sealed:
        """Encrypt any JSON value (e.g. an effort's evidence references) under the person's key;
        raises :class:`PersonErasedError` when the key is gone."""
        return crypto.encrypt_json(await self._key(persons, case_id), case_id, purpose, value)

    async def open_value(
        self, persons: Persons, case_id: UUID, purpose: str, sealed: crypto.Sealed
    ) -> Any:
        """Decrypt a value sealed with :meth:`seal_value` for ``purpose``; raises
        :class:`PersonErasedError` when the key is gone."""
        return crypto.decrypt_json(await self._key(persons, case_id), case_id, purpose, sealed)

    async def open_text(
        self, persons: Persons, case_id: UUID, purpose: str, sealed: crypto.Sealed
    ) -> str:
        """Decrypt a text sealed with :meth:`seal_text` for ``purpose``, NFC-normalised; raises
        :class:`PersonErasedError` when the key is gone."""
        value = crypto.decrypt_json(await self._key(persons, case_id), case_id, purpose, sealed)
        return str(_nfc(value))

    async def nfc_resealed(
        self, persons: Persons, case_id: UUID, sealed: Mapping[str, crypto.Sealed]
    ) -> dict[str, crypto.Sealed]:
        """The data step of migration 0020: of the person's ciphertexts (by purpose, i.e. the
        associated data they were sealed with), those whose text NFC changes, sealed anew
        under the same key; those already NFC are left out (nothing to write).

        Raises :class:`PersonErasedError` when the key is gone and
        :class:`crypto.DecryptionError` when a ciphertext does not open."""
        key = await self._key(persons, case_id)
        changed: dict[str, crypto.Sealed] = {}
        for purpose, ciphertext in sealed.items():
            value = crypto.decrypt_json(key, case_id, purpose, ciphertext)
            normal = _nfc(value)
            if normal != value:
                changed[purpose] = crypto.encrypt_json(key, case_id, purpose, normal)
        return changed


def _nfc(value: Any) -> Any:
    """Every text in a decrypted value in NFC (Unicode normalisation form C).

    Text sealed before the one text type (`hub_contracts.text`) may be NFD. It is encrypted,
    so no SQL migration can reach it; it leaves the vault in NFC, and the start-up worker of
    migration 0020 re-seals it so (:meth:`PersonVault.nfc_resealed`). The NFC step of
    ``hub_contracts.text.normalise`` only: its other steps depend on the field (lines or not)
    and could change what a stored text says. Idempotent, and a no-op on text written since."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(item) for item in value]
    if isinstance(value, dict):
        return {key: _nfc(item) for key, item in value.items()}
    return value
