"""Rules of the advocacy team's local accounts and sessions (pure: no I/O, no clock reads).

Until the council's OpenID Connect provider lands (issue 18), an admin creates an account per
staff member. Passwords are hashed with Argon2id (RFC 9106) through ``argon2-cffi``'s
`PasswordHasher`, whose defaults are the RFC's second recommended option (64 MiB, t=3, p=4).
Length rules follow NIST SP 800-63B section 5.1.1.2: at least 8 characters (12 here, staff
accounts see every table), long passphrases allowed (up to 128), no composition rules.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

USERNAME = re.compile(r"^[a-z0-9._-]{3,64}$")
"""A username: 3 to 64 lower-case letters, digits, ``.``, ``_`` or ``-`` (no e-mail address:
the account name need not be personal data beyond the staff member's choice)."""

MIN_PASSWORD, MAX_PASSWORD = 12, 128
STAFF_ROLES = ("advocacy", "admin")

_HASHER = PasswordHasher()
# Verified when the username is unknown, so that a refusal takes as long either way.
_DUMMY_HASH = _HASHER.hash("not-a-password-of-anyone-0000")


def hash_password(password: str) -> str:
    """The Argon2id hash (PHC string format) of ``password``; CPU-bound, about 50 ms."""
    return _HASHER.hash(password)


def password_matches(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored_hash``; ``None`` (no such account) checks a dummy
    hash first so that timing does not tell which usernames exist."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def digest(value: str) -> str:
    """SHA-256 hex of ``value``: how a session token (256 random bits) is stored."""
    return hashlib.sha256(value.encode()).hexdigest()


def username_key(key: bytes, typed: str) -> str:
    """HMAC-SHA256 hex of a typed username under the service's key: how the rate limit keys
    failures. Keyed, because a password typed into the username field by mistake has little
    entropy and a plain hash of it could be reversed by guessing."""
    return hmac.new(key, b"sign-in:" + typed.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SessionPolicy:
    """``idle``: a session unused this long ends; ``lifetime``: it ends this long after sign-in
    whatever happens (OWASP Session Management Cheat Sheet: idle and absolute timeouts)."""

    idle: timedelta
    lifetime: timedelta

    def alive(self, created_at: datetime, last_seen_at: datetime, now: datetime) -> bool:
        """True while neither the idle nor the absolute timeout has passed at ``now``."""
        return now - last_seen_at < self.idle and now - created_at < self.lifetime


@dataclass(frozen=True)
class SignInLimit:
    """At most ``failures`` failed sign-ins per username within ``window``; then every attempt
    for it (a right password too) is refused until the oldest failure leaves the window."""

    failures: int
    window: timedelta

    def retry_after(self, recent: list[datetime], now: datetime) -> int | None:
        """Seconds to wait (at least 1) when ``recent`` failures (within the window, any order)
        reach the limit, else None."""
        if len(recent) < self.failures:
            return None
        oldest = sorted(recent)[-self.failures]
        return max(1, int((oldest + self.window - now).total_seconds()) + 1)


@dataclass(frozen=True)
class StaffAccountView:
    """What creating an account answers (never the hash)."""

    account_id: str
    username: str
    role: str


@dataclass(frozen=True)
class NewSession:
    """A new session: ``token`` goes into the cookie (only its hash is stored), ``csrf_token``
    into the forms of the pages."""

    token: str
    csrf_token: str
    username: str
    role: str


@dataclass(frozen=True)
class CurrentSession:
    """The signed-in staff member of a request and the CSRF token their forms must carry."""

    username: str
    role: str
    csrf_token: str


def dashboard_role(hub_roles: set[str]) -> str | None:
    """The dashboard role of a staff member the provider signed in, from the hub roles their
    provider roles map to (`hub_runtime.oidc.mapped_roles`): ``admin`` when they hold it (an
    admin sees all an advocacy member does), else ``advocacy``, else None (no access)."""
    for role in ("admin", "advocacy"):
        if role in hub_roles:
            return role
    return None
