"""Sealing dead letters: a record value is stored in a ``.dlq`` topic only as ciphertext.

A record is dead-lettered because something is wrong with it, and one thing that can be wrong is
a personal value a producer should never have sent (a ``person_name`` on a command). Copied
verbatim, that value would sit in the dead-letter topic in plaintext, where erasure cannot reach
it. So the writer seals the value (AES-256-GCM, NIST SP 800-38D) under the dead-letter key,
derived from ``HUB_DEAD_LETTER_KEY`` (HKDF-SHA256, RFC 5869), and says so in two headers:
``dlq-sealed: v1`` (the format: 12-byte nonce, then ciphertext and 16-byte tag) and
``dlq-key-id`` (a fingerprint of the key, never the key), so that after a rotation the letters
sealed under the previous key (``HUB_DEAD_LETTER_PREVIOUS_KEY``) still open. The associated data
is the record's original topic, partition and offset (its ``dlq-original-*`` headers): a sealed
value copied onto another letter does not open.

Letters written before sealing existed carry no ``dlq-sealed`` header: their value is the
original bytes, and they still list and replay.
"""

import hashlib
from dataclasses import dataclass, field

from hub_runtime.crypto import DecryptionError, Sealed, derive_key, open_bytes, seal_bytes
from hub_runtime.settings import HubSettings

SEALED_HEADER = "dlq-sealed"
KEY_ID_HEADER = "dlq-key-id"
SEAL_VERSION = "v1"
_CONTEXT = "dead-letters"
_PURPOSE = "dead-letter-seal-v1"


class DeadLetterKeyError(Exception):
    """A sealed dead letter cannot be opened: it was sealed under a key this process does not
    hold (``HUB_DEAD_LETTER_KEY`` / ``HUB_DEAD_LETTER_PREVIOUS_KEY`` differ from the
    services'), or its value does not authenticate (changed, or moved to another letter)."""


def key_id(key: bytes) -> str:
    """The public name of a dead-letter key: 16 hex digits of SHA-256 over a label and the key
    (identifies the key among the configured ones; reveals nothing usable about it)."""
    return hashlib.sha256(b"council-hub/dead-letter-key-id:" + key).hexdigest()[:16]


def _aad(original_topic: str, partition: int | str, offset: int | str) -> bytes:
    return f"council-hub/dead-letter:{original_topic}:{partition}:{offset}".encode()


@dataclass(frozen=True)
class DeadLetterSealer:
    """The dead-letter keys a process holds: ``current`` seals, every key in ``keys`` opens.

    Build it with :meth:`of` from the hub's settings."""

    current: str
    keys: dict[str, bytes] = field(repr=False)

    @classmethod
    def of(cls, settings: HubSettings) -> "DeadLetterSealer":
        """The keys of ``settings``: ``dead_letter_key`` (seals and opens) and, when set,
        ``dead_letter_previous_key`` (opens only, during a rotation)."""
        secrets = [settings.dead_letter_key, settings.dead_letter_previous_key]
        keys = [
            derive_key(s.get_secret_value(), context=_CONTEXT, purpose=_PURPOSE)
            for s in secrets
            if s is not None
        ]
        return cls(current=key_id(keys[0]), keys={key_id(k): k for k in keys})

    def seal(
        self, value: bytes, original_topic: str, partition: int, offset: int
    ) -> tuple[bytes, dict[str, str]]:
        """``(sealed value, headers)``: ``value`` sealed under the current key, bound to its
        original place, and the ``dlq-sealed`` and ``dlq-key-id`` headers that say so."""
        aad = _aad(original_topic, partition, offset)
        sealed = seal_bytes(self.keys[self.current], value, aad)
        return sealed.packed(), {SEALED_HEADER: SEAL_VERSION, KEY_ID_HEADER: self.current}

    def open(self, value: bytes, headers: dict[str, str]) -> bytes:
        """The original record value of a dead letter whose (decoded) Kafka headers are
        ``headers``: ``value`` itself for a letter without ``dlq-sealed`` (written before
        sealing), else the opened ciphertext. Raises :class:`DeadLetterKeyError` for an unknown
        format or key id, a missing ``dlq-original-*`` header, or a value that does not
        authenticate."""
        version = headers.get(SEALED_HEADER)
        if version is None:
            return value
        if version != SEAL_VERSION:
            raise DeadLetterKeyError(f"unknown dead-letter seal {version!r}")
        wanted = headers.get(KEY_ID_HEADER, "")
        key = self.keys.get(wanted)
        if key is None:
            raise DeadLetterKeyError(
                f"sealed under dead-letter key {wanted or '?'}, which is not configured here"
                " (HUB_DEAD_LETTER_KEY, or HUB_DEAD_LETTER_PREVIOUS_KEY after a rotation)"
            )
        try:
            aad = _aad(
                headers["dlq-original-topic"],
                headers["dlq-original-partition"],
                headers["dlq-original-offset"],
            )
            return open_bytes(key, Sealed.unpacked(value), aad)
        except KeyError as exc:
            raise DeadLetterKeyError(
                f"sealed dead letter without its {exc.args[0]} header"
            ) from exc
        except DecryptionError as exc:
            raise DeadLetterKeyError("the sealed dead letter does not authenticate") from exc
