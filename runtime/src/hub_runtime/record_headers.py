"""The Kafka headers a hub consumer accepts: the closed set the hub's own producers send.

A header is a free string beside the envelope: a producer could put a person's name in one
(``x-person: ...``) and the record would be applied, its header travelling on into traces and
dead letters. So a consumer accepts a record only when each of its headers is one the hub itself
writes, in that header's standard shape; any other record is dead-lettered with the closed code
``unexpected_header`` (`hub_runtime.consumer`), naming a header only when its name is one of
these closed names, and never a header's value.

What the hub sends (checked against FastStream 0.7, aiokafka, the outbox relay, the dead-letter
replay, the chaos and bench tools and the integration guide's examples):
- ``content-type``: the outbox relay's ``application/cloudevents+json``, the guide's ``...;
  charset=UTF-8``; FastStream's ``publish`` sends it empty for a body it has no type for;
- ``traceparent`` (W3C Trace Context, version 00): the relay and the bench preload;
- ``correlation_id``: FastStream's own, a fresh ``uuid4`` per record it publishes;
- ``dlq-replayed-from``: ``<partition>:<offset>`` of the letter a record was replayed from;
- ``chaos-copy``: ``1``, on the chaos run's duplicate copies (`hub_demo.chaos_faults`).
``tracestate`` and ``baggage`` are not among them: they are free text a caller chooses, and the
hub does not propagate them (`hub_runtime.telemetry.current_trace_headers`).
"""

import re
from collections.abc import Sequence

from hub_contracts import ContractError

UNEXPECTED_HEADER = "unexpected_header"
"""The closed code of a record refused for its headers (the start of its ``dlq-error``)."""

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TRACEPARENT = re.compile(r"00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")
CONTENT_TYPE = re.compile(r"application/[a-z+.-]{1,40}(; ?charset=[A-Za-z0-9-]{1,20})?")

ACCEPTED: dict[str, re.Pattern[str]] = {
    "content-type": re.compile(f"(?:{CONTENT_TYPE.pattern})?"),
    "traceparent": TRACEPARENT,
    "correlation_id": UUID,
    "dlq-replayed-from": re.compile(r"[0-9]{1,10}:[0-9]{1,19}"),
    "chaos-copy": re.compile("1"),
}
"""Header name -> the shape its value must have (the whole value, ASCII)."""


def unexpected_header(headers: Sequence[tuple[str, bytes]] | None) -> str | None:
    """None when every one of a record's Kafka ``headers`` is accepted (`ACCEPTED`), else the
    reason to dead-letter it: ``unexpected_header: ...``, naming the header only when its name
    is one of `ACCEPTED` (a closed name), never quoting a value."""
    for name, raw in headers or ():
        shape = ACCEPTED.get(name)
        if shape is None:
            return f"{UNEXPECTED_HEADER}: a header the hub does not send (name not shown)"
        if not (raw or b"").isascii() or not shape.fullmatch((raw or b"").decode("ascii")):
            return f"{UNEXPECTED_HEADER}: {name} is not in its standard shape"
    return None


class UnexpectedHeaderError(ContractError):
    """A record carries a header the hub does not send, or one out of its shape; the message
    is `unexpected_header`'s closed reason and becomes the dead letter's ``dlq-error``."""


def check_headers(headers: Sequence[tuple[str, bytes]] | None) -> None:
    """Raises :class:`UnexpectedHeaderError` when `unexpected_header` gives a reason."""
    reason = unexpected_header(headers)
    if reason is not None:
        raise UnexpectedHeaderError(reason)
