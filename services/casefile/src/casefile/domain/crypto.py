"""Field encryption under a per-person key, the key wrapped by the master key.

Crypto-shredding: every personal field of one person is encrypted under that person's own
random 256-bit key (AES-GCM); the database stores that key only wrapped (encrypted) by a key
derived from the master key. Destroying the wrapped key makes every ciphertext of the person
unreadable, wherever copies of it live (backups, dumps), without touching them.

Associated data binds each ciphertext to its case and category, so a ciphertext copied to
another case or category does not decrypt.
"""

import json
import os
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE_BYTES = 12
_KEY_BYTES = 32
KEK_VERSION = 1


class DecryptionError(Exception):
    """A ciphertext did not authenticate (wrong key, tampered, or moved to another record)."""


@dataclass(frozen=True)
class Sealed:
    """A ciphertext with its nonce, as stored."""

    nonce: bytes
    ciphertext: bytes


def derive_kek(master_secret: str) -> bytes:
    """The key-encryption key: HKDF-SHA256 of the configured secret (any length of secret)."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=_KEY_BYTES,
        salt=b"council-hub/casefile",
        info=f"kek-v{KEK_VERSION}".encode(),
    )
    return hkdf.derive(master_secret.encode("utf-8"))


def new_person_key() -> bytes:
    return AESGCM.generate_key(bit_length=_KEY_BYTES * 8)


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> Sealed:
    nonce = os.urandom(_NONCE_BYTES)
    return Sealed(nonce=nonce, ciphertext=AESGCM(key).encrypt(nonce, plaintext, aad))


def _open(key: bytes, sealed: Sealed, aad: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed.nonce, sealed.ciphertext, aad)
    except InvalidTag as exc:
        raise DecryptionError("the ciphertext does not authenticate") from exc


def wrap_key(kek: bytes, person_key: bytes, case_id: UUID) -> Sealed:
    return _seal(kek, person_key, b"person-key:" + case_id.bytes)


def unwrap_key(kek: bytes, wrapped: Sealed, case_id: UUID) -> bytes:
    return _open(kek, wrapped, b"person-key:" + case_id.bytes)


def _field_aad(case_id: UUID, category: str) -> bytes:
    return b"field:" + case_id.bytes + b":" + category.encode()


def encrypt_json(person_key: bytes, case_id: UUID, category: str, value: Any) -> Sealed:
    """Encrypt a JSON-serialisable value of one data category of one case."""
    plaintext = json.dumps(value, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return _seal(person_key, plaintext, _field_aad(case_id, category))


def decrypt_json(person_key: bytes, case_id: UUID, category: str, sealed: Sealed) -> Any:
    return json.loads(_open(person_key, sealed, _field_aad(case_id, category)))
