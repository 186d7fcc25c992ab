"""bench.kafka_requests: the broker's request counts read over JMX (issue 16's figures), on
the stack's own broker, and their arithmetic per referral."""

import pytest
from hub_runtime.kafka import delete_topics_with_prefix, ensure_topics, make_producer
from hub_runtime.settings import HubSettings
from hub_runtime.testing import unique_topic

from bench.endtoend import infrastructure_pids
from bench.kafka_requests import KafkaRequestCounter, per_referral


def test_requests_per_referral_are_the_difference_divided_most_frequent_first() -> None:
    before = {"Fetch": 100, "FetchConsumer": 90, "Produce": 10, "Metadata": 4}
    after = {"Fetch": 140, "FetchConsumer": 130, "Produce": 30, "Metadata": 4, "OffsetCommit": 2}
    assert per_referral(before, after, referrals=10) == {
        "Fetch": 4.0,  # FetchConsumer is a part of Fetch: not counted twice
        "Produce": 2.0,
        "OffsetCommit": 0.2,  # Metadata did not change: left out
    }
    assert list(per_referral(before, after, referrals=10)) == ["Fetch", "Produce", "OffsetCommit"]


def test_a_missing_snapshot_gives_no_figures() -> None:
    assert per_referral(None, {"Fetch": 1}, 10) == {}
    assert per_referral({"Fetch": 1}, None, 10) == {}
    assert per_referral({"Fetch": 1}, {"Fetch": 5}, 0) == {}


async def test_a_counter_with_no_broker_answers_none() -> None:
    counter = KafkaRequestCounter(pid=0)  # never started
    assert await counter.snapshot() is None
    await counter.close()


@pytest.mark.integration
async def test_the_stack_s_broker_counts_the_records_sent_to_it(hub_settings: HubSettings) -> None:
    pid = infrastructure_pids().get("Kafka")
    assert pid is not None, "the stack's broker is not running (infra/stack.sh up)"
    counter = KafkaRequestCounter(pid)
    await counter.start()
    topic = unique_topic("jmx")
    await ensure_topics(hub_settings, [topic], partitions=1)
    producer = make_producer(hub_settings, "jmx-test")
    await producer.start()
    try:
        before = await counter.snapshot()
        assert before is not None
        for n in range(3):
            await producer.send_and_wait(topic, value=b"{}", key=f"k{n}".encode())
        after = await counter.snapshot()
        assert after is not None
        assert after["Produce"] - before["Produce"] >= 3  # each send_and_wait is a request
    finally:
        await producer.stop()
        await counter.close()
        await delete_topics_with_prefix(hub_settings, topic)
