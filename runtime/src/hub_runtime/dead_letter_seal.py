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

The record's key is a free string too. A key of the shape the hub's producers use (the
subject: a case or partner id as a canonical UUID, a signals period ``YYYY-MM``) stays the
letter's key in clear; any other key is sealed together with the value (``dlq-sealed: v2``: the
plaintext is the key's length as 4 bytes big-endian, the key, then the value) and the letter is
keyed by a keyed hash of it (HMAC-SHA256 under a key derived from ``HUB_DEAD_LETTER_KEY``, 32
hex digits): letters of one record key stay on one partition, and replay gets the original key
back exactly.

Letters written before sealing existed carry no ``dlq-sealed`` header: their value is the
original bytes, and they still list and replay; ``v1`` letters (the value sealed, the key in
clear) still open.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass, field

from hub_runtime.crypto import DecryptionError, Sealed, derive_key, open_bytes, seal_bytes
from hub_runtime.settings import HubSettings

SEALED_HEADER = "dlq-sealed"
KEY_ID_HEADER = "dlq-key-id"
SEAL_VERSION = "v1"
SEAL_WITH_KEY_VERSION = "v2"
_CONTEXT = "dead-letters"
_PURPOSE = "dead-letter-seal-v1"
_KEY_HASH_PURPOSE = "dead-letter-key-hash-v1"
_CLEAR_KEY = re.compile(
    rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9]{4}-(0[1-9]|1[0-2])"
)
_KEY_LENGTH_BYTES = 4


class DeadLetterKeyError(Exception):
    """A sealed dead letter cannot be opened: it was sealed under a key this process does not
    hold (``HUB_DEAD_LETTER_KEY`` / ``HUB_DEAD_LETTER_PREVIOUS_KEY`` differ from the
    services'), or its value does not authenticate (changed, or moved to another letter)."""


def key_id(key: bytes) -> str:
    """The public name of a dead-letter key: 16 hex digits of SHA-256 over a label and the key
    (identifies the key among the configured ones; reveals nothing usable about it)."""
    return hashlib.sha256(b"council-hub/dead-letter-key-id:" + key).hexdigest()[:16]


def is_clear_key(key: bytes | None) -> bool:
    """Whether a record key may stay in clear in a dead letter: none, or the shape of the
    hub's keys (a canonical UUID, lower case 8-4-4-4-12, or a period ``YYYY-MM``); any other
    key could be whatever a producer typed, a name say."""
    return key is None or _CLEAR_KEY.fullmatch(key) is not None


@dataclass(frozen=True)
class SealedLetter:
    """What the writer publishes for a record: the sealed ``value``, the letter's ``key`` (the
    original key when `is_clear_key`, else its keyed hash) and the ``dlq-sealed`` and
    ``dlq-key-id`` ``headers``."""

    value: bytes
    key: bytes | None
    headers: dict[str, str]


def _aad(original_topic: str, partition: int | str, offset: int | str) -> bytes:
    return f"council-hub/dead-letter:{original_topic}:{partition}:{offset}".encode()


@dataclass(frozen=True)
class DeadLetterSealer:
    """The dead-letter keys a process holds: ``current`` seals, every key in ``keys`` opens;
    ``key_hash_key`` keys the hash of a sealed record key.

    Build it with :meth:`of` from the hub's settings."""

    current: str
    keys: dict[str, bytes] = field(repr=False)
    key_hash_key: bytes = field(repr=False)

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
        hash_key = derive_key(
            settings.dead_letter_key.get_secret_value(), context=_CONTEXT, purpose=_KEY_HASH_PURPOSE
        )
        return cls(
            current=key_id(keys[0]), keys={key_id(k): k for k in keys}, key_hash_key=hash_key
        )

    def seal_record(
        self, key: bytes | None, value: bytes, original_topic: str, partition: int, offset: int
    ) -> SealedLetter:
        """The dead letter of a record (``key``, ``value``) from ``original_topic`` at
        ``partition``/``offset``: ``v1`` (value sealed, key in clear) when `is_clear_key`, else
        ``v2`` (key and value sealed together, the letter keyed by the key's keyed hash)."""
        if key is None or is_clear_key(key):
            sealed, headers = self.seal(value, original_topic, partition, offset)
            return SealedLetter(sealed, key, headers)
        framed = len(key).to_bytes(_KEY_LENGTH_BYTES, "big") + key + value
        sealed, headers = self.seal(framed, original_topic, partition, offset)
        digest = hmac.new(self.key_hash_key, key, hashlib.sha256).hexdigest()[:32]
        return SealedLetter(
            sealed, digest.encode(), {**headers, SEALED_HEADER: SEAL_WITH_KEY_VERSION}
        )

    def open_record(
        self, letter_key: bytes | None, value: bytes, headers: dict[str, str]
    ) -> tuple[bytes | None, bytes]:
        """``(original key, original value)`` of a dead letter keyed ``letter_key`` whose
        (decoded) Kafka headers are ``headers``: for ``v2`` both come out of the seal, for
        ``v1`` and unsealed letters the key is the letter's own. Raises
        :class:`DeadLetterKeyError` as :meth:`open` does, and for a ``v2`` plaintext that is
        not framed as written."""
        if headers.get(SEALED_HEADER) != SEAL_WITH_KEY_VERSION:
            return letter_key, self.open(value, headers)
        framed = self._open_sealed(value, headers)
        length = int.from_bytes(framed[:_KEY_LENGTH_BYTES], "big")
        if len(framed) < _KEY_LENGTH_BYTES + length:
            raise DeadLetterKeyError("the sealed dead letter is not framed as written")
        start = _KEY_LENGTH_BYTES
        return framed[start : start + length], framed[start + length :]

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
        return self._open_sealed(value, headers)

    def _open_sealed(self, value: bytes, headers: dict[str, str]) -> bytes:
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
