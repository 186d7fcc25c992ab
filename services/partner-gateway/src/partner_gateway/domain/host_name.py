"""How a host name is written (pure rules; the webhook URL's, ``domain.webhook_url``).

- RFC 1035 section 2.3.4 (size limits): a label is at most 63 octets and a name at most 255
  octets on the wire, its labels each with a length octet and the root's empty label last, so
  at most 253 characters written with dots (a final dot, the root's, not counted; RFC 1123
  section 2.1 keeps both limits);
- RFC 1123 section 2.1 (after RFC 952's "LDH" rule): a label holds letters, digits and hyphens
  only, so ``_`` (allowed in DNS names that are not host names, such as ``_dmarc``), ``!`` or
  ``~`` name no host. An internationalised name is written in ASCII as its A-labels (RFC 5890
  section 2.3.2.1, ``xn--bcher-kva``), letters, digits and hyphens too, and its 63 octets are
  counted in that form.

An IP literal is not a host name: IPv4's digits and dots pass these rules; an IPv6 literal (its
``:``) has no labels and is not judged here.
"""

from __future__ import annotations

import re
from enum import Enum

MAX_LABEL = 63
"""The most octets of a label (RFC 1035 section 2.3.4)."""

MAX_NAME = 253
"""The most characters of a host name written with dots, without the root's final dot (255
octets on the wire, RFC 1035 section 2.3.4, less the first length octet and the root's)."""

_LDH = re.compile(r"[A-Za-z0-9.-]*")


class Broken(Enum):
    """Which of this module's rules a host name breaks."""

    LONG_LABEL = "a label longer than 63 octets"
    LONG_NAME = "a name longer than 253 octets"
    NOT_LDH = "a character other than a letter, a digit, a hyphen or a dot"


def broken_rule(host: str) -> Broken | None:
    """The first rule ``host`` (ASCII, as a URL writes it; one final dot allowed) breaks, or
    None: a character outside letters, digits, hyphens and dots (RFC 1123 section 2.1), then
    a label longer than :data:`MAX_LABEL` or a name longer than :data:`MAX_NAME` (RFC 1035
    section 2.3.4). Empty labels and hyphens at a label's ends are ``domain.webhook_url``'s."""
    if ":" in host:  # an IPv6 literal
        return None
    if not _LDH.fullmatch(host):
        return Broken.NOT_LDH
    name = host.removesuffix(".")
    if any(len(label) > MAX_LABEL for label in name.split(".")):
        return Broken.LONG_LABEL
    if len(name) > MAX_NAME:
        return Broken.LONG_NAME
    return None
