"""Polls of CaseOpened records spread over partitions, for `test_polls*.py`."""

from aiokafka import ConsumerRecord
from hub_contracts import Envelope, new_envelope

from ._events import case_opened

TOPIC = "casefile.events.v1"
Record = ConsumerRecord[bytes, bytes]


def record(partition: int, offset: int, timestamp: int, value: bytes | None = None) -> Record:
    """A record of ``TOPIC`` (a new CaseOpened unless ``value`` is given)."""
    if value is None:
        payload = case_opened()
        value = new_envelope(payload, source="casefile", subject=str(payload.case_id)).to_bytes()
    return ConsumerRecord(TOPIC, partition, offset, timestamp, 0, b"k", value, None, 1, 0, ())


def poll(sizes: list[int]) -> list[list[Record]]:
    """``sizes[p]`` records in partition p, in offset order; timestamps interleave partitions."""
    return [
        [record(p, offset, timestamp=offset * len(sizes) + p) for offset in range(size)]
        for p, size in enumerate(sizes)
    ]


def ids(records: list[Record]) -> list[str]:
    """The envelope ids of ``records``, as text."""
    return [str(Envelope.from_bytes(r.value or b"").id) for r in records]
