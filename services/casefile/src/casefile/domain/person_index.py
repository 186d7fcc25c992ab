"""The blind index of a person: how casefile knows "this person already has an open case"
without being able to read who anyone is.

Casefile keeps names and birth dates only encrypted under each person's own key, so it has
nothing to compare. The blind index is a keyed hash (HMAC-SHA256, RFC 2104) of the person's
normalised full name and date of birth, under a key derived (HKDF-SHA256, RFC 5869) from the
secret ``CASEFILE_INDEX_KEY``. Without that secret the digest cannot be recomputed from a
guessed name and birth date (an unkeyed hash could: names and birth dates are a small space),
so the stored digest is pseudonymous data (GDPR art. 4(5)): personal data still, kept only in
casefile's database, deleted when the case closes or the person is erased, never in an event,
a log line or an answer.

Which fields: casefile records no V-number (vreemdelingennummer) of its own (a V-number may
appear in an effort's sealed evidence references, which are free text), and one ``name``
field, not a family and a given name. So the index covers the full name and the date of birth.
Normalisation: Unicode NFC, case folded (then NFC again: folding can decompose), format
characters (general category Cf: zero-width joiner and non-joiner, soft hyphen, direction
marks) removed, since they do not change how a name looks and the text type lets some of them
through between letters (Persian spelling needs ZWNJ), every run of white space one space,
leading and trailing space removed. Two spellings that differ in
anything else (word order, a hyphen, a transliteration) are different persons to the index.
"""

import hashlib
import hmac
import unicodedata
from datetime import date

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

DIGEST_BYTES = 32
_VERSION = "v1"
_SEPARATOR = "\x1f"  # ASCII unit separator: no normalised name holds it, so no two inputs meet


def index_key(secret: str) -> bytes:
    """The HMAC key (32 bytes) derived from ``CASEFILE_INDEX_KEY`` (any length of secret).
    HKDF with its own salt and info, so the same secret used elsewhere by mistake still gives
    an unrelated key."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=DIGEST_BYTES,
        salt=b"council-hub/casefile",
        info=f"person-index-{_VERSION}".encode(),
    )
    return hkdf.derive(secret.encode("utf-8"))


def normalise_name(name: str) -> str:
    """``name`` as the index compares it: NFC, case folded, NFC, format characters (Cf)
    removed, white space collapsed."""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())
    visible = "".join(c for c in folded if unicodedata.category(c) != "Cf")
    return " ".join(visible.split())


def person_digest(key: bytes, name: str, date_of_birth: date) -> bytes:
    """The blind index (32 bytes) of a person: HMAC-SHA256 under ``key`` (see `index_key`)
    of ``v1``, the normalised name and the ISO 8601 birth date, separated by U+001F."""
    message = _SEPARATOR.join((_VERSION, normalise_name(name), date_of_birth.isoformat()))
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()
