"""JSON logs. House rule: log ids, types and outcomes, never payloads or personal fields.

The formatter only writes the message and the explicitly whitelisted `extra` keys below, so an
accidental `extra={"name": ...}` is dropped instead of printed. Every URL in a message or a
whitelisted value is redacted (userinfo and query values, see `hub_runtime.redaction`): a
library that logs the URL it calls (httpx logs every request at INFO) must never print a
webhook's ``user:password@`` or ``?api_key=``.

Third-party loggers get no handler of their own: `configure_logging` removes theirs and lets
them propagate to the one root handler, so they pass the same whitelist and redaction.
"""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from hub_runtime.redaction import redact_text

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
        "worker",
        # the steps of a graceful stop (`ServiceRuntime.stop`), in ms
        "http_ms",
        "tasks_ms",
        "kafka_ms",
        "pools_ms",
    }
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line with only whitelisted context."""

    def format(self, record: logging.LogRecord) -> str:
        """One JSON line: time (UTC, ISO 8601), level, logger, message, the whitelisted extra
        fields (message and extras redacted) and an exception's type, never its text."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": redact_text(record.getMessage()),
        }
        for key in SAFE_EXTRA_KEYS:
            if key in record.__dict__:
                entry[key] = redact_text(str(record.__dict__[key]))
        if record.exc_info and record.exc_info[0] is not None:
            # The exception type only: messages of database errors can quote row values.
            entry["exception"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


# Libraries the hub runs on that log on their own. Their chatter (aiokafka's reconnect notes,
# httpx's line per request, aiohttp's client and cookie notes, uvicorn's access lines) stays at
# warning; whatever they do log goes through the root handler like the hub's own records.
# "aiohttp" covers all its loggers (aiohttp.log); the client's two are named as well so that
# they stay at warning even if something set their own level.
THIRD_PARTY_LOGGERS = (
    "aiokafka",
    "asyncpg",
    "httpx",
    "httpcore",
    "aiohttp",
    "aiohttp.client",
    "aiohttp.internal",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "fastapi",
    "starlette",
    "opentelemetry",
)


def configure_logging(level: str = "INFO") -> None:
    """Route every logger, the libraries' included, to stdout as whitelisted, redacted JSON."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in THIRD_PARTY_LOGGERS:
        library = logging.getLogger(name)
        library.handlers[:] = []  # e.g. uvicorn's default config gives its loggers their own
        library.propagate = True
        library.setLevel(logging.WARNING)
