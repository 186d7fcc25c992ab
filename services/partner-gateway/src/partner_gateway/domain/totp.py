"""The portal's optional second factor: time-based one-time passwords (TOTP, RFC 6238: HMAC-SHA1,
30-second steps, 6 digits, what every authenticator app reads) with pyotp, and the secret
sealed at rest.

The secret (160 bits, RFC 4226 §4 recommends at least 128) is sealed with the hub's own
sealing machinery (`hub_runtime.crypto.Keyring`: AES-GCM under a key derived by HKDF from
``PARTNER_GATEWAY_MASTER_KEY``, its version stored beside it), bound to the staff id, so a
sealed secret copied to another account does not open. A code is accepted for the current
step and one step either side (clock drift, RFC 6238 §5.2), and each step once (replay).
"""

from __future__ import annotations

import io
from uuid import UUID

import pyotp
import segno
from hub_runtime.crypto import Keyring, Sealed

ISSUER = "Council partner portal"
STEP_SECONDS = 30
DRIFT_STEPS = 1


def new_secret() -> str:
    """A fresh TOTP secret (base32, 32 characters: 160 bits)."""
    return pyotp.random_base32(32)


def seal(keys: Keyring, secret: str, staff_id: UUID) -> tuple[int, bytes]:
    """``(key version, sealed secret)`` for storage."""
    version, sealed = keys.wrap(secret.encode(), staff_id)
    return version, sealed.packed()


def unseal(keys: Keyring, version: int, sealed: bytes, staff_id: UUID) -> str:
    """The secret `seal` stored; raises `hub_runtime.crypto.DecryptionError`."""
    return keys.unwrap(version, Sealed.unpacked(sealed), staff_id).decode()


def uri(secret: str, email: str) -> str:
    """The ``otpauth://totp/...`` URI authenticator apps read (Key Uri Format)."""
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(
        name=email, issuer_name=ISSUER
    )


def qr_svg(text: str) -> str:
    """``text`` as a QR code, an SVG element to put inline in a page (no XML declaration, no
    size: the stylesheet sizes it; dark modules on a light ground)."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(
        out, kind="svg", xmldecl=False, svgns=True, nl=False, omitsize=True, border=2
    )
    return out.getvalue().decode()


def matching_step(secret: str, code: str, now_seconds: float) -> int | None:
    """The time step (seconds since the epoch // 30) whose code is ``code``, within the drift
    allowed; None when none matches. ``code``: 6 digits (spaces removed by the caller)."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    here = int(now_seconds // STEP_SECONDS)
    for step in range(here - DRIFT_STEPS, here + DRIFT_STEPS + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None
