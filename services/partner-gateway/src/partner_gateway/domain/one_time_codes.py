"""One-time codes of staff accounts (an invitation, a password reset): their one shape.

A code is 24 random bytes in URL-safe base64 (`secrets.token_urlsafe`): 32 characters of
``A-Z a-z 0-9 - _``, about 192 bits. It travels in a link (``/portal/activate?code=``) and is
stored only as a digest.
"""

from __future__ import annotations

import re
import secrets

CODE_BYTES = 24
"""Random bytes of a one-time code (192 bits; base64 of 24 bytes is 32 characters, no padding)."""

_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")


def new_code() -> str:
    """A new one-time code: 32 URL-safe base64 characters (`CODE_BYTES` random bytes)."""
    return secrets.token_urlsafe(CODE_BYTES)


def is_code_shaped(text: str) -> bool:
    """True when ``text`` has the shape of a code `new_code` makes (it may still be unknown,
    used or expired). A page prefills only such a text from its link's query: anything else
    typed into the address (a name, an e-mail) is never echoed into the page."""
    return _SHAPE.fullmatch(text) is not None
