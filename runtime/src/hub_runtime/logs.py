"""JSON logs. House rule: log ids, types and outcomes, never payloads or personal fields.

The formatter only writes the message and the explicitly whitelisted `extra` keys below, so an
accidental `extra={"name": ...}` is dropped instead of printed.
"""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

SAFE_EXTRA_KEYS = frozenset(
    {
        "service",
        "event_id",
        "event_type",
        "topic",
        "partition",
        "offset",
        "attempt",
        "case_id",
        "referral_id",
        "partner_id",
        "error_type",
        "count",
        "status",
        "path",
        "method",
        "duration_ms",
    }
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line with only whitelisted context."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in SAFE_EXTRA_KEYS:
            if key in record.__dict__:
                entry[key] = str(record.__dict__[key])
        if record.exc_info and record.exc_info[0] is not None:
            # The exception type only: messages of database errors can quote row values.
            entry["exception"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    """Route every logger to stdout as JSON."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Library chatter (aiokafka's reconnect notes) stays at warning.
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
