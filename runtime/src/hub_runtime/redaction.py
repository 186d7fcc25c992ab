"""Redaction of secrets that travel inside URLs, for logs and any other text the hub writes.

A URL can carry a secret in two places (RFC 3986 section 3): the userinfo (``user:password@``,
which section 3.2.1 deprecates for exactly this reason) and the query (``?api_key=...``,
``?token=...``). Both are replaced; the scheme, host, port and path stay, so a log line still
tells where a request went. OWASP's Logging Cheat Sheet lists access tokens, passwords and
connection strings among what is never logged.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit, urlunsplit

REDACTED = "REDACTED"

# scheme "://" then everything up to whitespace, a quote or an angle bracket (RFC 3986 appendix
# C: those delimit URLs in text). The scheme is ASCII only, like the RFC's ALPHA/DIGIT.
_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s\"'<>]+", re.ASCII)
# A query string without a scheme in front (a request line: "GET /dashboard?token=abc"):
# a "?" followed by at least one key=value pair.
_BARE_QUERY = re.compile(r"\?[^\s\"'<>?#]*=[^\s\"'<>#]*")


def redact_url(url: str) -> str:
    """``url`` without userinfo and with every query value replaced; fragment dropped.

    ``https://u:p@host:8443/hook?api_key=k&x=1#f`` -> ``https://REDACTED@host:8443/hook?
    api_key=REDACTED&x=REDACTED``; a query part without ``=`` is masked whole. A string that
    is not a parseable URL is redacted whole.
    """
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return REDACTED
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    if parts.username is not None or parts.password is not None:
        netloc = f"{REDACTED}@{netloc}"
    return urlunsplit(SplitResult(parts.scheme, netloc, parts.path, _redact_query(parts.query), ""))


def _redact_query(query: str) -> str:
    # A part without "=" (``?Fatima`` or ``?token``) is all value: masked whole, not kept as a key.
    pairs = (pair.partition("=") for pair in query.split("&") if pair)
    return "&".join(f"{key}={REDACTED}" if sep else REDACTED for key, sep, _ in pairs)


def redact_text(text: str) -> str:
    """``text`` with every URL in it passed through :func:`redact_url` and every bare query
    string (``?key=value`` after a path) reduced to its keys."""
    text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    return _BARE_QUERY.sub(lambda m: "?" + _redact_query(m.group(0)[1:]), text)
