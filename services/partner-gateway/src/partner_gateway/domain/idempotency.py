"""Idempotency keys of partners' POSTs: same key and body, same answer."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def fingerprint(route: str, body: Any) -> str:
    """Hash of the request as parsed (key order and whitespace do not change it)."""
    canonical = json.dumps({"route": route, "body": body}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class Claim(StrEnum):
    NEW = "new"  # go ahead, the key is ours now
    REPLAY = "replay"  # done before with the same body: answer the stored response
    MISMATCH = "mismatch"  # the key was used with another body: 422
    IN_PROGRESS = "in_progress"  # the first request with this key has not finished: 409


@dataclass(frozen=True)
class StoredKey:
    request_hash: str
    finished: bool


def classify(existing: StoredKey | None, request_hash: str) -> Claim:
    if existing is None:
        return Claim.NEW
    if existing.request_hash != request_hash:
        return Claim.MISMATCH
    return Claim.REPLAY if existing.finished else Claim.IN_PROGRESS
