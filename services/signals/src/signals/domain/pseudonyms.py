"""Keyed hashes that stand in for a case id inside one period, and nowhere else.

The case id is turned into a token at the door (in the consumer handler) and never stored. The
token is an HMAC under a key derived per period from the master key, so tokens of two periods
cannot be linked to each other without the master key, and nothing outside this service can
recompute a token from a case id. Within one period the token lets us count a person at most
once per cell and cap the cells a person contributes to.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from uuid import UUID


@functools.lru_cache(maxsize=256)
def period_key(master_key: bytes, period: str) -> bytes:
    """The key of one period (HMAC-SHA256 of the period under the master key); cached, since
    every event of a period needs it and there are only a few periods at a time."""
    return hmac.new(master_key, f"signals-period:{period}".encode(), hashlib.sha256).digest()


def person_token(master_key: bytes, period: str, case_id: UUID) -> str:
    """The pseudonym of a case within ``period`` (hex; 128 bits are plenty for counting)."""
    return hmac.digest(period_key(master_key, period), case_id.bytes, "sha256").hex()[:32]


def referral_token(master_key: bytes, referral_id: UUID) -> str:
    """Join key for a referral's approval time and partner type (never linked to a person)."""
    message = b"signals-referral:" + referral_id.bytes
    return hmac.new(master_key, message, hashlib.sha256).hexdigest()[:32]


def consent_token(master_key: bytes, consent_id: UUID) -> str:
    """Join key from a consent withdrawal to the months that consent covered."""
    message = b"signals-consent:" + consent_id.bytes
    return hmac.new(master_key, message, hashlib.sha256).hexdigest()[:32]
