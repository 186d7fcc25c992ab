"""The short network-fault scenario, in `make test`: the runner of `make chaos` with the TCP
proxy (hub_demo.tcp_proxy) between one service and Kafka and another and PostgreSQL.

Two independent faults share one run to stay inside CI's time: referral cut off from Kafka for
12 s (longer than the consumers' 10 s session timeout, so its group rebalances and its offset
commits fail) while the gateway's PostgreSQL link carries 50 ms more per chunk each way.
"""

import pytest
from hub_demo.chaos import Options, run_scenario
from hub_demo.chaos_faults import Scenario
from hub_demo.chaos_network import KAFKA, POSTGRES, heal_links, latency, partition

pytestmark = pytest.mark.integration

REFERRALS = 30

SCENARIO = Scenario(
    "net-short",
    "referral cut off from Kafka for 12 s; +50 ms each way between the gateway and PostgreSQL",
    (partition("referral", KAFKA, seconds=12), latency("partner-gateway", POSTGRES, ms=50)),
    after=(heal_links,),
    links=(("referral", KAFKA), ("partner-gateway", POSTGRES)),
)


# No expected_server_errors mark: the services' ERROR lines while a link is cut go to their own
# log files (.hub/chaos/net-short/), and the driver's own clients do not cross the proxy.
async def test_network_faults_are_survived_with_nothing_lost() -> None:
    outcome = await run_scenario(SCENARIO, Options(referrals=REFERRALS, settle_seconds=90))
    report = "\n".join([*outcome.notes, *outcome.problems])
    assert outcome.completed == REFERRALS, report
    assert outcome.not_exactly_once == 0, report
    assert outcome.lost == 0, report
    assert outcome.applied_twice == 0, report
    assert outcome.dlq_actual == outcome.dlq_expected, report
    assert outcome.signals_match, report
    assert outcome.passed, report
    # The faults happened on links that carried the services' traffic: connections were open
    # through the Kafka link when it was cut, and both links moved data.
    cut = next(note for note in outcome.notes if "referral-kafka cut for 12 s" in note)
    assert "(0 connections open" not in cut, cut
    assert any("partner-gateway-postgres +50 ms" in note for note in outcome.notes), report
    ends = [note for note in outcome.notes if note.startswith("at the end")]
    assert len(ends) == 2, report
    assert all(" 0 B down" not in note for note in ends), ends
