"""Thin notification bodies: ids and what happened, never personal data.

The same body is signed and POSTed as a webhook and listed in the pull inbox.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from hub_contracts import NoticeKind


class NotificationKind(StrEnum):
    """The ``type`` of a notification body (webhook and pull inbox alike): a referral ready to
    fetch, or a notice that an earlier one was withdrawn, suspended, resumed or the person
    erased."""

    REFERRAL_READY = "referral.ready"
    NOTICE_WITHDRAWAL = "notice.withdrawal"
    NOTICE_ERASURE = "notice.erasure"
    NOTICE_SUSPENSION = "notice.suspension"
    NOTICE_RESUMPTION = "notice.resumption"


NOTICE_PREFIX = "notice."


def notice_kind(kind: NoticeKind) -> NotificationKind:
    """The notification that carries a notice of ``kind`` (``notice.<kind>``)."""
    return NotificationKind(NOTICE_PREFIX + str(kind))


def kind_of_notice(kind: str) -> NoticeKind | None:
    """The notice kind a notification carries; None for a ``referral.ready``."""
    if not kind.startswith(NOTICE_PREFIX):
        return None
    return NoticeKind(kind.removeprefix(NOTICE_PREFIX))


def body(
    kind: NotificationKind, notification_id: UUID, at: datetime, data: dict[str, str | list[str]]
) -> str:
    """The exact text that is signed and sent (compact JSON, stable key order)."""
    document = {
        "type": str(kind),
        "id": str(notification_id),
        "timestamp": at.isoformat(),
        "data": data,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True)
