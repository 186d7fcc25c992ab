"""A partner's status report against the referral's status as the gateway knows it."""

from hub_contracts import PartnerReportedStatus, ReferralStatus
from partner_gateway.domain.reports import check_report, statuses_that_may_become

S = ReferralStatus
R = PartnerReportedStatus


def test_an_impossible_report_is_refused_naming_the_status_and_what_may_follow() -> None:
    check = check_report(S.APPROVED, R.COMPLETED)
    assert not check.accepted
    assert "completed cannot follow approved" in check.refusal
    assert "The referral is approved; status reports that may follow: accepted, declined" in (
        check.refusal
    )


def test_a_closed_referral_says_nothing_may_follow() -> None:
    check = check_report(S.DECLINED, R.IN_PROGRESS)
    assert not check.accepted
    assert check.refusal.endswith("none, the referral is closed")


def test_an_answer_to_an_approved_referral_leaves_it_where_the_partner_said() -> None:
    check = check_report(S.APPROVED, R.ACCEPTED)
    assert (check.accepted, check.new_status) == (True, S.ACCEPTED)


def test_repeats_monitoring_facts_and_late_answers_pass_and_change_nothing() -> None:
    for current, reported in [
        (S.ACCEPTED, R.ACCEPTED),
        (S.IN_PROGRESS, R.DEPARTED),
        (S.WITHDRAWN, R.IN_PROGRESS),
    ]:
        assert check_report(current, reported) == check_report(None, reported)
        assert check_report(current, reported).accepted


def test_a_withdrawal_closes_only_open_referrals() -> None:
    open_ones = set(statuses_that_may_become(S.WITHDRAWN))
    assert S.ACCEPTED in open_ones
    assert not open_ones & {S.COMPLETED, S.DECLINED, S.WITHDRAWN, S.EXPIRED}
