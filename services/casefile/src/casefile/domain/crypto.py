"""Casefile's field encryption: the shared primitives of ``hub_runtime.crypto`` (written once
for every service), with casefile's own KEK context. See that module for the scheme."""

from hub_runtime import crypto as _crypto
from hub_runtime.crypto import (
    KEK_VERSION,
    DecryptionError,
    Keyring,
    Sealed,
    UnknownKekVersionError,
    WrappedKey,
    decrypt_json,
    encrypt_json,
    new_person_key,
    unwrap_key,
    wrap_key,
)

__all__ = [
    "KEK_VERSION",
    "DecryptionError",
    "Keyring",
    "Sealed",
    "UnknownKekVersionError",
    "WrappedKey",
    "decrypt_json",
    "derive_kek",
    "encrypt_json",
    "keyring",
    "new_person_key",
    "unwrap_key",
    "wrap_key",
]


CONTEXT = "casefile"


def derive_kek(master_secret: str, version: int = KEK_VERSION) -> bytes:
    """Casefile's KEK (HKDF salt ``council-hub/casefile``: keys already wrapped stay readable)."""
    return _crypto.derive_kek(master_secret, context=CONTEXT, version=version)


def keyring(
    master_secret: str,
    version: int = KEK_VERSION,
    previous: str | None = None,
    next_: str | None = None,
) -> Keyring:
    """Casefile's keyring: ``master_secret`` as ``version``, ``previous`` as ``version - 1``,
    ``next_`` as ``version + 1`` (unwrap only)."""
    return Keyring.of(CONTEXT, master_secret, version, previous, next_)
