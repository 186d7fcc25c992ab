"""The language of an answer or page: the user's choice, else ``Accept-Language``, else a default.

One negotiation for every face of the hub (referral's refusal sentences, the signals dashboard,
the partner portal), so a header is read the same way everywhere.
"""

from collections.abc import Collection

MAX_LANGUAGE_RANGES = 20
"""Language ranges read from one header (a longer header is cut there: no work without bound)."""


def accepted_languages(accept_language: str | None) -> list[str]:
    """The primary subtags of an ``Accept-Language`` header, best first (RFC 9110 section
    12.5.4): by quality, then in the header's order; ``q=0`` means "not this" and a malformed
    quality counts as 0. ``"nl-BE;q=0.8, en"`` -> ``["en", "nl"]``."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "").split(",")[:MAX_LANGUAGE_RANGES]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary and quality > 0:
            ranked.append((-quality, position, primary))
    return [primary for _, _, primary in sorted(ranked)]


def negotiate_language(
    available: Collection[str],
    default: str,
    accept_language: str | None,
    choice: str | None = None,
) -> str:
    """``choice`` (a cookie or a query parameter) when it is one of ``available``, else the
    best of `accepted_languages` that is available, else ``default``."""
    if choice is not None and choice in available:
        return choice
    for language in accepted_languages(accept_language):
        if language in available:
            return language
    return default
