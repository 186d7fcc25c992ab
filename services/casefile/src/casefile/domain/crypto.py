"""Casefile's field encryption: the shared primitives of ``hub_runtime.crypto`` (written once
for every service), with casefile's own KEK context. See that module for the scheme."""

from hub_runtime import crypto as _crypto
from hub_runtime.crypto import (
    KEK_VERSION,
    DecryptionError,
    Sealed,
    decrypt_json,
    encrypt_json,
    new_person_key,
    unwrap_key,
    wrap_key,
)

__all__ = [
    "KEK_VERSION",
    "DecryptionError",
    "Sealed",
    "decrypt_json",
    "derive_kek",
    "encrypt_json",
    "new_person_key",
    "unwrap_key",
    "wrap_key",
]


def derive_kek(master_secret: str) -> bytes:
    """Casefile's KEK (HKDF salt ``council-hub/casefile``: keys already wrapped stay readable)."""
    return _crypto.derive_kek(master_secret, context="casefile")
