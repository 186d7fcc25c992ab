"""Partner API client secrets: generated at random, stored only as scrypt hashes."""

from __future__ import annotations

import hashlib
import hmac

# scrypt cost: n=2**14, r=8 is the interactive-login setting (about 16 MiB, tens of ms).
_N, _R, _P, _LEN = 2**14, 8, 1, 32

CLIENT_ID_PREFIX = "pc_"
SECRET_PREFIX = "pcs_"  # noqa: S105 (a prefix, not a secret)


def hash_secret(secret: str, salt: bytes) -> bytes:
    """The scrypt hash (32 bytes; n=2**14, r=8, p=1) of a partner client secret under ``salt``.

    Costs about 16 MiB and tens of milliseconds by design (slows guessing); raises nothing for text
    input."""
    return hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_LEN)


def matches(secret: str, salt: bytes, expected: bytes) -> bool:
    """True when ``secret`` hashes under ``salt`` to ``expected``; compared in constant time
    (``hmac.compare_digest``), so the time taken does not tell how much matched."""
    return hmac.compare_digest(hash_secret(secret, salt), expected)
