"""Parsing of the RFC 7240 `wait` preference on referral requests."""

import pytest
from referral.api.edge import MAX_PREFER_WAIT_SECONDS, prefer_wait_seconds


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, 0.0),
        ("", 0.0),
        ("wait=5", 5.0),
        ("respond-async, wait=3", 3.0),
        ("WAIT = 2", 2.0),
        ('wait="4"', 4.0),
        ("wait=120", MAX_PREFER_WAIT_SECONDS),  # capped: a request never holds a worker long
        ("wait=-1", 0.0),
        ("wait=soon", 0.0),
        ("wait=nan", 0.0),
        ("handling=lenient", 0.0),  # preferences we do not know are ignored
    ],
)
def test_the_wait_preference(header: str | None, seconds: float) -> None:
    assert prefer_wait_seconds(header) == seconds
