"""Standard Webhooks signatures (https://www.standardwebhooks.com/), symmetric v1 scheme.

signed content = ``{webhook-id}.{webhook-timestamp}.{body}``; signature = base64 of its
HMAC-SHA256 under the key that follows ``whsec_`` (base64); header ``v1,<signature>``, several
separated by spaces (that is how a rotated secret keeps working during its overlap).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
DEFAULT_TOLERANCE_SECONDS = 300


class WebhookVerificationError(ValueError):
    """The webhook is not authentic or not fresh; the message says which, never the body."""


def secret_from_bytes(key: bytes) -> str:
    """A signing secret in the Standard Webhooks text form (``whsec_`` + base64 key)."""
    if len(key) < 24:
        raise ValueError("a signing key needs at least 24 random bytes")
    return SECRET_PREFIX + base64.b64encode(key).decode("ascii")


def _key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a signing secret starts with whsec_")
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` of one message under one secret."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


@dataclass(frozen=True)
class SignedHeaders:
    """The three Standard Webhooks headers of one signed message (``webhook-id``,
    ``webhook-timestamp`` in seconds since the epoch, ``webhook-signature``: space-separated
    ``v1,<base64>`` signatures), see https://www.standardwebhooks.com/."""

    msg_id: str
    timestamp: int
    signatures: str

    def as_dict(self) -> dict[str, str]:
        """The headers by their Standard Webhooks names, ready to send."""
        return {
            "webhook-id": self.msg_id,
            "webhook-timestamp": str(self.timestamp),
            "webhook-signature": self.signatures,
        }


def sign(secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> SignedHeaders:
    """Headers signing ``body`` with every secret given (the current one first)."""
    if not secrets:
        raise ValueError("at least one signing secret is needed")
    joined = " ".join(signature(s, msg_id, timestamp, body) for s in secrets)
    return SignedHeaders(msg_id=msg_id, timestamp=timestamp, signatures=joined)


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: int,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> str:
    """The webhook id of an authentic, fresh message; raises WebhookVerificationError otherwise.

    ``body`` must be the raw bytes as received: a re-serialised body fails on purpose.
    """
    msg_id = headers.get("webhook-id", "")
    raw_timestamp = headers.get("webhook-timestamp", "")
    given = headers.get("webhook-signature", "")
    if not msg_id or not raw_timestamp or not given:
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or signature")
    try:
        timestamp = int(raw_timestamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not an integer") from None
    if abs(now - timestamp) > tolerance_seconds:
        raise WebhookVerificationError("webhook-timestamp is outside the tolerance (replay?)")
    expected = signature(secret, msg_id, timestamp, body)
    for candidate in given.split(" "):
        if hmac.compare_digest(candidate.encode(), expected.encode()):
            return msg_id
    raise WebhookVerificationError("no signature matches")
