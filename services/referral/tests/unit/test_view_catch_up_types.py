"""The catch-up asks casefile for exactly the event types the case view is built from."""

from hub_contracts import Topic
from hub_contracts.registry import payload_class
from referral.routes import ROUTES
from referral.view_catch_up import CASE_VIEW_EVENT_TYPES


def test_the_catch_up_waits_for_every_case_file_event_the_consumer_applies() -> None:
    """A type the consumer applies but the catch-up ignores would let a request be judged
    before that event; a type the consumer skips would never reach the inbox (a 5 s wait)."""
    applied = {t for t in ROUTES.events if payload_class(t).topic is Topic.CASEFILE_EVENTS}
    assert set(CASE_VIEW_EVENT_TYPES) == applied
