"""The chaos stream takes a referral request's answer as approved when the referral shows
approved or any status only an approved referral reaches (the answer is read after the commit:
under load the partner may already have it)."""

from hub_contracts import ReferralStatus
from hub_demo.chaos_stream import approved_or_later


def test_approved_and_later_statuses_count_as_approved() -> None:
    for status in ("approved", "delivered", "accepted", "in_progress", "completed"):
        assert approved_or_later(status), status


def test_refused_review_and_other_statuses_do_not() -> None:
    later = {"approved", "delivered", "accepted", "in_progress", "completed"}
    others = [s for s in ReferralStatus if s.value not in later]
    assert "refused" in others
    assert "requested" in others
    for status in others:
        assert not approved_or_later(status), status
