"""`hub dead-letters list|show|replay` on the real Kafka: a record referral cannot decode is
dead-lettered by its real consumer, listed, shown (never its payload) and replayed."""

import asyncio
import json
import os
import subprocess
import sys
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from hub_contracts import CaseOpened, new_envelope
from hub_contracts.examples import example_payload
from hub_contracts.topics import Topic, dead_letter_topic
from hub_demo.inprocess import RunningHub
from hub_runtime.kafka_security import kafka_client_options
from hub_runtime.testing import read_all, wait_until

from .conftest import Cli

pytestmark = [pytest.mark.integration, pytest.mark.expected_server_errors]

# Not an envelope, and wrongly carrying a person's name: referral's command consumer
# dead-letters it. The marker must never be printed, nor stored in the `.dlq` topic in clear.
POISON = b'{"not": "an envelope", "person_name": "PAYLOAD-NEVER-PRINTED"}'


async def _poison(running_hub: RunningHub) -> None:
    hub = running_hub.hub
    producer = AIOKafkaProducer(**kafka_client_options(hub), acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            hub.topic(Topic.REFERRAL_COMMANDS), value=POISON, key=b"poison-key"
        )
    finally:
        await producer.stop()


async def _letters(running_hub: RunningHub, at_least: int) -> None:
    hub = running_hub.hub
    dlq = dead_letter_topic(hub.topic(Topic.REFERRAL_COMMANDS))

    async def enough() -> bool:
        return len(await read_all(hub, dlq, idle_seconds=0.2)) >= at_least

    await wait_until(enough, within=30)


async def test_list_show_and_replay_a_dead_letter(hub_cli: Cli, running_hub: RunningHub) -> None:
    await _poison(running_hub)
    await _letters(running_hub, 1)
    hub = running_hub.hub
    [raw] = await read_all(hub, dead_letter_topic(hub.topic(Topic.REFERRAL_COMMANDS)))
    assert b"PAYLOAD-NEVER-PRINTED" not in raw.value  # sealed under the dead-letter key
    assert dict(raw.headers)["dlq-sealed"] == b"v2"  # with its key: "poison-key" is no id
    assert raw.key is not None
    assert b"poison-key" not in raw.key

    listed = await hub_cli.json("dead-letters", "list", "referral.commands.v1")
    assert (listed["topic"], listed["count"]) == ("referral.commands.v1", 1)
    [item] = listed["items"]
    assert {"id", "dlq_partition", "dlq_offset", "envelope_id", "type", "error"} <= set(item)
    assert (item["type"], item["original-topic"], item["consumer"]) == (
        "?",
        running_hub.hub.topic(Topic.REFERRAL_COMMANDS),
        "referral",
    )
    human = await hub_cli.run("dead-letters", "list", "referral.commands.v1")
    assert human.exit_code == 0
    assert item["id"] in human.stdout
    assert "PAYLOAD-NEVER-PRINTED" not in json.dumps(listed) + human.stdout

    shown = await hub_cli.json("dead-letters", "show", "referral.commands.v1", item["id"])
    assert shown["id"] == item["id"]
    assert (shown["key"], shown["value_bytes"], shown["envelope"]) == (
        "(hidden: 10 characters, not an id)",  # a key that is not an id may be personal
        len(POISON),
        {},
    )
    assert "PAYLOAD-NEVER-PRINTED" not in json.dumps(shown)

    # Without the services' dead-letter key: listed, not opened, not replayed.
    other_key = {"HUB_DEAD_LETTER_KEY": "x7Kp2-Wq9vT4nZm1rL8cYb3hJ6sD5fGa"}
    unopened = await hub_cli.json("dead-letters", "list", "referral.commands.v1", **other_key)
    assert "not configured here" in unopened["items"][0]["unopened"]
    refused = await hub_cli.run(
        "dead-letters", "replay", "referral.commands.v1", "--id", item["id"], **other_key
    )
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error sealed: not replayed:")

    replay = await hub_cli.run("dead-letters", "replay", "referral.commands.v1", "--id", item["id"])
    assert replay.exit_code == 0, replay.stderr
    assert "replayed 1 record(s) from 1 dead letter(s)" in replay.stdout
    assert "1/1" in replay.stderr  # the progress bar, on stderr
    original = await read_all(running_hub.hub, running_hub.hub.topic(Topic.REFERRAL_COMMANDS))
    replayed = [r for r in original if "dlq-replayed-from" in dict(r.headers)]
    assert [(r.value, r.key) for r in replayed] == [(POISON, b"poison-key")]
    assert dict(replayed[0].headers)["dlq-replayed-from"].decode() == item["id"]
    assert not any(k.startswith("dlq-error") for k, _ in replayed[0].headers)
    # Still undecodable, so referral dead-letters it again: a second letter, a JSON replay of all.
    await _letters(running_hub, 2)
    # The old command stays an alias over the same functions and sees the same letters.
    alias = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "hub_runtime.dead_letters", "list", "referral.commands.v1"],
        env={**os.environ, **hub_cli.env_for_subprocess()},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert alias.returncode == 0, alias.stderr
    assert alias.stdout.splitlines()[-1] == "2 dead letter(s) for referral.commands.v1"
    again = await hub_cli.json("dead-letters", "replay", "referral.commands.v1", "--all")
    # Two letters of one record (the first and its replay's): the record is sent once.
    assert (again["replayed"], again["letters"]) == (1, 2)
    assert len(again["ids"]) == 2
    assert item["id"] in again["ids"]


async def test_dead_letter_errors(hub_cli: Cli) -> None:
    neither = await hub_cli.run("dead-letters", "replay", "partner.events.v1", "--json")
    assert neither.exit_code == 2  # a usage error, as Click's own
    assert json.loads(neither.stderr)["error"] == "missing_option"
    both = await hub_cli.run(
        "dead-letters", "replay", "partner.events.v1", "--id", "0:0", "--all", "--json"
    )
    assert both.exit_code == 2
    assert json.loads(both.stderr)["error"] == "conflicting_options"
    # Something else where the id goes (a pasted name) is a usage error that does not quote it.
    pasted = await hub_cli.run("dead-letters", "show", "partner.events.v1", NAME, "--json")
    assert pasted.exit_code == 2, pasted.output
    assert json.loads(pasted.stderr)["error"] == "invalid_id"
    assert "Amina" not in pasted.output
    missing = await hub_cli.run("dead-letters", "show", "partner.events.v1", "0:999999")
    assert missing.exit_code == 1
    assert missing.stderr.startswith("error not_found: no dead letter 0:999999")
    unknown_topic = await hub_cli.run("dead-letters", "list", "nobody.events.v1")
    assert unknown_topic.exit_code == 2
    no_kafka = await hub_cli.run(
        "dead-letters", "list", "partner.events.v1", HUB_KAFKA_BOOTSTRAP="127.0.0.1:9"
    )
    assert no_kafka.exit_code == 3, no_kafka.output
    assert no_kafka.stderr.startswith("error unreachable: Kafka at 127.0.0.1:9")


NAME = "Amina Testperson-3e9a"


async def test_a_record_several_services_dead_letter_is_shown_closed_and_replayed_once(
    hub_cli: Cli, running_hub: RunningHub
) -> None:
    """A CaseOpened on partner.events.v1 (the wrong topic) keyed, sourced and dataschema'd by a
    name: casefile, referral and signals all consume that topic and dead-letter it. `show` prints
    neither its key, source nor dataschema; the `.dlq` records carry the name nowhere in clear;
    `replay --all` sends the record once, not once per letter, with its original key and bytes
    (found by the third trial: each replay multiplied the letters)."""
    hub = running_hub.hub
    document = new_envelope(
        example_payload(CaseOpened), source=f"urn:council-hub:{NAME}", subject=NAME
    ).model_dump(mode="json")
    document["dataschema"] = f"urn:council-hub:schema:{NAME}"
    value = json.dumps(document).encode()
    topic = hub.topic(Topic.PARTNER_EVENTS)
    producer = AIOKafkaProducer(**kafka_client_options(hub), acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value=value, key=NAME.encode())
    finally:
        await producer.stop()
    consumers = {"casefile", "referral", "signals"}

    async def letters(count: int) -> list[Any]:
        found: list[Any] = []

        async def enough() -> bool:
            found[:] = await read_all(hub, dead_letter_topic(topic), idle_seconds=0.2)
            return len(found) >= count

        await wait_until(enough, within=60)
        return found

    first = await letters(3)
    assert {dict(r.headers)["dlq-consumer"].decode() for r in first} == consumers
    for record in first:
        assert NAME.encode() not in (record.key or b"") + record.value
        assert not [v for _, v in record.headers if NAME.encode() in v]
    listed = await hub_cli.json("dead-letters", "list", "partner.events.v1")
    shown = await hub_cli.json(
        "dead-letters", "show", "partner.events.v1", listed["items"][0]["id"]
    )
    assert NAME not in json.dumps(listed) + json.dumps(shown)
    assert shown["envelope"]["source"] == "(not a hub service's source)"
    assert shown["envelope"]["dataschema"] == "(not the registry's dataschema for this type)"
    assert shown["envelope"]["type"] == CaseOpened.event_type  # registered: a closed code

    replayed = await hub_cli.json("dead-letters", "replay", "partner.events.v1", "--all")
    assert (replayed["replayed"], replayed["letters"]) == (1, 3)
    copies = [r for r in await read_all(hub, topic) if "dlq-replayed-from" in dict(r.headers)]
    assert [(r.key, r.value) for r in copies] == [(NAME.encode(), value)]
    # Each consumer dead-letters the copy once more: six letters, still one record.
    await letters(6)
    again = await hub_cli.run("dead-letters", "replay", "partner.events.v1", "--all")
    assert again.exit_code == 0, again.stderr
    assert "replayed 1 record(s) from 6 dead letter(s)" in again.stdout
