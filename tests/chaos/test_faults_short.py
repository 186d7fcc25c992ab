"""The short fault suite, in `make test`: the runner of `make chaos` on a few scenarios.

Same code as `python -m hub_demo.chaos` (faults, stream, checks); fewer referrals, a shorter
partner outage, and two independent faults in one run. Each scenario gets fresh topics,
databases and service processes.
"""

import pytest
from hub_demo.chaos import Options, run_scenario
from hub_demo.chaos_catalogue import SCENARIOS
from hub_demo.chaos_faults import Scenario, kill9, partner_mode, poison
from partner_gateway.simulator.app import Mode

pytestmark = pytest.mark.integration

REFERRALS = 30

SHORT_SCENARIOS = [
    Scenario(
        "kill9-casefile-gateway",
        "kill -9 of casefile, then of the gateway, mid-stream",
        (kill9("casefile", "partner-gateway", times=2),),
    ),
    # Independent faults share a run to stay inside CI's time: poison on every topic while the
    # partner's endpoint is down.
    Scenario(
        "poison-partner-down",
        "garbage and wrong-type envelopes on each topic; the partner answers 503 for 4 s",
        (poison(), partner_mode(Mode.DOWN, 4)),
    ),
    SCENARIOS["duplicate-delivery"],
]


@pytest.mark.parametrize("scenario", SHORT_SCENARIOS, ids=lambda s: s.name)
async def test_fault_is_survived_with_nothing_lost(scenario: Scenario) -> None:
    outcome = await run_scenario(scenario, Options(referrals=REFERRALS, settle_seconds=90))
    report = "\n".join([*outcome.notes, *outcome.problems])
    assert outcome.completed == REFERRALS, report
    assert outcome.not_exactly_once == 0, report
    assert outcome.lost == 0, report
    assert outcome.applied_twice == 0, report
    assert outcome.dlq_actual == outcome.dlq_expected, report
    assert outcome.signals_match, report
    assert outcome.passed, report


async def test_the_checks_catch_effects_applied_twice() -> None:
    """Negative control: status reports re-sent under new envelope ids (what a producer without
    outbox or idempotency would do) must make the same checks fail."""
    outcome = await run_scenario(
        SCENARIOS["control-new-ids"], Options(referrals=15, settle_seconds=60)
    )
    assert outcome.completed == 15, outcome.problems
    assert outcome.applied_twice == 15, outcome.problems
    assert not outcome.passed
