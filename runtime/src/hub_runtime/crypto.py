"""Field encryption under a per-person (per-case) key, the key wrapped by a master key.

Crypto-shredding: every free-text or personal field of one person is encrypted under that
person's own random 256-bit key (AES-GCM, NIST SP 800-38D); the database stores that key only
wrapped (encrypted) by a key-encryption key (KEK) derived from the service's master secret
(HKDF-SHA256, RFC 5869). Destroying the wrapped key makes every ciphertext of the person
unreadable, wherever copies of it live (backups, dumps), without touching them.

Associated data binds each ciphertext to its case and category, so a ciphertext copied to
another case or category does not decrypt. Each service derives its KEK under its own
``context`` (HKDF salt), so a key wrapped by one service never unwraps in another.

Written once for every service that keeps such fields (casefile's vault, referral's review
reasons and consent evidence references).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12
_KEY_BYTES = 32
KEK_VERSION = 1


class DecryptionError(Exception):
    """A ciphertext did not authenticate (wrong key, tampered, or moved to another record)."""


@dataclass(frozen=True)
class Sealed:
    """A ciphertext with its nonce, as stored."""

    nonce: bytes
    ciphertext: bytes

    def packed(self) -> bytes:
        """One ``bytea`` value: the 12-byte nonce, then the ciphertext (with its 16-byte tag)."""
        return self.nonce + self.ciphertext

    @classmethod
    def unpacked(cls, value: bytes) -> Sealed:
        """The inverse of :meth:`packed`; raises :class:`DecryptionError` on a short value."""
        if len(value) <= NONCE_BYTES:
            raise DecryptionError("the stored value is too short to be a ciphertext")
        return cls(nonce=value[:NONCE_BYTES], ciphertext=value[NONCE_BYTES:])


def derive_kek(master_secret: str, *, context: str, version: int = KEK_VERSION) -> bytes:
    """The key-encryption key: HKDF-SHA256 of the configured secret (any length of secret).

    ``context`` names the service (``"casefile"``, ``"referral"``); it is the HKDF salt
    ``council-hub/<context>``, so the same secret gives each service a different KEK.
    ``version`` (1, 2, ...: one per master-key rotation) is in the HKDF info ``kek-v<n>``, so
    version 1 derives exactly the KEK used before rotations existed.
    """
    return derive_key(master_secret, context=context, purpose=f"kek-v{version}")


@dataclass(frozen=True)
class WrappedKey:
    """A stored person key: wrapped under the KEK of ``version``."""

    version: int
    sealed: Sealed


class UnknownKekVersionError(DecryptionError):
    """A key is wrapped under a KEK version this process was not given (a rotation's previous
    master key is missing, or the key was wrapped under a newer one)."""


@dataclass(frozen=True)
class Keyring:
    """The KEKs a service holds, by version: ``current`` wraps every new or re-wrapped key;
    every version present unwraps. During a master-key rotation it holds the new and the
    previous version, so both kinds of stored keys open while they are being re-wrapped; before
    it, the next version (unwrap only), so instances not yet switched read keys the switched
    ones wrap."""

    current: int
    keks: Mapping[int, bytes] = field(repr=False)

    @classmethod
    def of(
        cls,
        context: str,
        master_secret: str,
        version: int = KEK_VERSION,
        previous_secret: str | None = None,
        next_secret: str | None = None,
    ) -> Keyring:
        """The keyring of a service's settings: ``master_secret`` as ``version``,
        ``previous_secret`` (when set) as ``version - 1``, ``next_secret`` as ``version + 1``."""
        keks = {version: derive_kek(master_secret, context=context, version=version)}
        if previous_secret is not None and version > 1:
            keks[version - 1] = derive_kek(previous_secret, context=context, version=version - 1)
        if next_secret is not None:
            keks[version + 1] = derive_kek(next_secret, context=context, version=version + 1)
        return cls(current=version, keks=keks)

    def wrap(self, person_key: bytes, case_id: UUID) -> tuple[int, Sealed]:
        """``(version, wrapped)``: the key wrapped under the current KEK."""
        return self.current, wrap_key(self.keks[self.current], person_key, case_id)

    def unwrap(self, version: int, wrapped: Sealed, case_id: UUID) -> bytes:
        """The person's key wrapped under KEK ``version``; raises
        :class:`UnknownKekVersionError` for a version not held, :class:`DecryptionError` when
        it does not authenticate."""
        kek = self.keks.get(version)
        if kek is None:
            raise UnknownKekVersionError(f"no master key of version {version} is configured")
        return unwrap_key(kek, wrapped, case_id)


def derive_key(secret: str, *, context: str, purpose: str) -> bytes:
    """A 256-bit key for ``purpose`` derived from a configured secret (HKDF-SHA256, RFC 5869;
    salt ``council-hub/<context>``, info ``purpose``): the same secret gives every purpose its
    own key. :func:`derive_kek` is this with the purpose ``kek-v<version>``."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=_KEY_BYTES,
        salt=f"council-hub/{context}".encode(),
        info=purpose.encode(),
    )
    return hkdf.derive(secret.encode("utf-8"))


def seal_bytes(key: bytes, plaintext: bytes, aad: bytes) -> Sealed:
    """``plaintext`` encrypted and authenticated under ``key`` (AES-256-GCM, NIST SP 800-38D,
    a fresh random 96-bit nonce), bound to the associated data ``aad``."""
    return _seal(key, plaintext, aad)


def open_bytes(key: bytes, sealed: Sealed, aad: bytes) -> bytes:
    """The plaintext :func:`seal_bytes` sealed; raises :class:`DecryptionError` when the key or
    the associated data differ or the ciphertext was changed."""
    return _open(key, sealed, aad)


def new_person_key() -> bytes:
    """A fresh random 256-bit data key for one person (one case)."""
    return AESGCM.generate_key(bit_length=_KEY_BYTES * 8)


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> Sealed:
    nonce = os.urandom(NONCE_BYTES)
    return Sealed(nonce=nonce, ciphertext=AESGCM(key).encrypt(nonce, plaintext, aad))


def _open(key: bytes, sealed: Sealed, aad: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed.nonce, sealed.ciphertext, aad)
    except InvalidTag as exc:
        raise DecryptionError("the ciphertext does not authenticate") from exc


def wrap_key(kek: bytes, person_key: bytes, case_id: UUID) -> Sealed:
    """The person's key encrypted under the KEK, bound to the case id."""
    return _seal(kek, person_key, b"person-key:" + case_id.bytes)


def unwrap_key(kek: bytes, wrapped: Sealed, case_id: UUID) -> bytes:
    """The person's key; raises :class:`DecryptionError` for another KEK or case."""
    return _open(kek, wrapped, b"person-key:" + case_id.bytes)


def _field_aad(case_id: UUID, category: str) -> bytes:
    return b"field:" + case_id.bytes + b":" + category.encode()


def encrypt_json(person_key: bytes, case_id: UUID, category: str, value: Any) -> Sealed:
    """Encrypt a JSON-serialisable value of one data category of one case."""
    plaintext = json.dumps(value, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return _seal(person_key, plaintext, _field_aad(case_id, category))


def decrypt_json(person_key: bytes, case_id: UUID, category: str, sealed: Sealed) -> Any:
    """The value :func:`encrypt_json` sealed; raises :class:`DecryptionError` when the key,
    case or category differ or the ciphertext was changed."""
    return json.loads(_open(person_key, sealed, _field_aad(case_id, category)))
