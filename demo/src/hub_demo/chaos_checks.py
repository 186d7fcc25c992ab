"""The invariants every fault scenario must keep, checked once the hub has settled.

- final exactly once: each referral is `accepted`, its history holds one transition to
  accepted, and the partner's acceptance was taken once (a replayed answer is not a second);
- lost: a referral not accepted, a case whose timeline lacks the acceptance or the bottleneck,
  fewer distinct ReferralApproved / PartnerStatusReportedV2(accepted) envelopes than referrals;
- applied twice: a repeated transition in a referral's history, a timeline entry of a referral
  (or the bottleneck) twice, more distinct envelopes than referrals, a second report;
- DLQ: the dead-letter topics hold each injected poison record once per consuming service and
  nothing else;
- signals: contributions of every bottleneck table and of partner_responses equal the persons.
"""

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from hub_contracts import ContractError, PartnerStatusReportedV2, ReferralApproved, Topic
from hub_contracts.envelope import Envelope
from hub_contracts.topics import dead_letter_topic
from hub_runtime.auth import Role
from hub_runtime.dead_letters import load as load_dead_letters
from hub_runtime.kafka import read_topic
from hub_runtime.kafka_security import kafka_client_options
from hub_runtime.settings import HubSettings

from hub_demo.chaos_faults import EVENT_TOPICS, consumed_topics, consumers_of
from hub_demo.chaos_stream import PatientPartner, Person
from hub_demo.client import HubClient

T = TypeVar("T")
BOTTLENECK_TABLE_PREFIX = "bottlenecks_by_"
RESPONSES_TABLE = "partner_responses"


@dataclass
class Outcome:
    scenario: str
    referrals: int
    completed: int = 0
    not_exactly_once: int = 0
    lost_referrals: set[str] = field(default_factory=set)  # referrals missing an effect
    twice_referrals: set[str] = field(default_factory=set)  # referrals with an effect twice
    lost_on_topics: int = 0  # fewer distinct envelopes than referrals (worst event type)
    twice_on_topics: int = 0  # more distinct envelopes than referrals (worst event type)
    dlq_expected: int = 0
    dlq_actual: int = 0
    signals_match: bool = False
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    more_problems: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        """Referrals that lost an effect (a shortfall on a topic counts if it is larger)."""
        return max(len(self.lost_referrals), self.lost_on_topics)

    @property
    def applied_twice(self) -> int:
        return max(len(self.twice_referrals), self.twice_on_topics)

    @property
    def passed(self) -> bool:
        return (
            self.completed == self.referrals
            and self.not_exactly_once == 0
            and self.lost == 0
            and self.applied_twice == 0
            and self.dlq_expected == self.dlq_actual
            and self.signals_match
            and not any(p.startswith(("DLQ", "run aborted")) for p in self.problems)
        )

    def problem(self, text: str) -> None:
        if len(self.problems) < 12 or text.startswith(("DLQ", "run aborted", "not settled")):
            self.problems.append(text)  # enough to see the pattern, not a wall of text
        else:
            self.more_problems += 1


async def bounded(items: Iterable[T], work: Callable[[T], Awaitable[Any]], limit: int = 16) -> None:
    gate = asyncio.Semaphore(limit)

    async def one(item: T) -> None:
        async with gate:
            await work(item)

    await asyncio.gather(*(one(item) for item in items))


# --- settling ---------------------------------------------------------------------------------


async def settle(
    hub: HubSettings,
    client: HubClient,
    persons: list[Person],
    dlq_expected: int,
    within: float,
) -> str:
    """Until every referral is accepted and on its case's timeline, signals counted every
    person, the dead letters arrived and every consumer group read its topics to the end.
    Returns '' when settled, else what was still missing at the deadline."""
    deadline = time.monotonic() + within
    pending_referrals = {p.referral_id for p in persons if p.referral_id is not None}
    pending_cases = {p.case_id for p in persons if p.case_id is not None and p.referral_id}
    waiting = "nothing checked yet"
    while time.monotonic() < deadline:
        pending_referrals = await _still(pending_referrals, lambda r: _accepted(client, r))
        if not pending_referrals:
            pending_cases = await _still(pending_cases, lambda c: _timeline_done(client, c))
        if pending_referrals:
            waiting = f"{len(pending_referrals)} referrals not accepted"
        elif pending_cases:
            waiting = f"{len(pending_cases)} timelines without the acceptance or bottleneck"
        elif not await _signals_counted(client, len(persons)):
            waiting = "signals contributions"
        elif dlq_expected and await _dlq_count(hub) < dlq_expected:
            waiting = "dead letters"
        elif not await groups_caught_up(hub):
            waiting = "consumer groups reading to the end"
        else:
            return ""
        await asyncio.sleep(0.5)
    return waiting


async def _still(pending: set[UUID], done: Callable[[UUID], Awaitable[bool]]) -> set[UUID]:
    left: set[UUID] = set()

    async def check(item: UUID) -> None:
        if not await done(item):
            left.add(item)

    await bounded(pending, check)
    return left


async def _accepted(client: HubClient, referral_id: UUID) -> bool:
    try:
        return bool((await client.referral(referral_id))["status"] == "accepted")
    except Exception:
        return False


async def _timeline_done(client: HubClient, case_id: UUID) -> bool:
    try:
        timeline = (await client.case(case_id))["timeline"]
    except Exception:
        return False
    kinds = {(e["kind"], _status(e)) for e in timeline}
    return {
        ("referral_status_changed", "accepted"),
        ("partner_status_reported", "accepted"),
        ("bottleneck_observed", None),
    } <= kinds


def _status(entry: dict[str, Any]) -> str | None:
    details = entry.get("details") or {}
    value = details.get("to_status") or details.get("status")
    return None if value is None else str(value)


async def _signals_counted(client: HubClient, persons: int) -> bool:
    try:
        tables = await contributions(client)
    except Exception:
        return False
    return bool(tables) and all(count >= persons for count in _relevant(tables).values())


async def contributions(client: HubClient) -> dict[str, int]:
    """Contributions per table, summed over periods (signals' admin view)."""
    summary = await client.expect("GET", f"{client.urls.signals}/admin/contributions", Role.ADMIN)
    totals: Counter[str] = Counter()
    for row in summary["contributions"]:
        totals[str(row["table_name"])] += int(row["contributions"])
    return dict(totals)


def _relevant(tables: dict[str, int]) -> dict[str, int]:
    wanted = {t: n for t, n in tables.items() if t.startswith(BOTTLENECK_TABLE_PREFIX)}
    wanted[RESPONSES_TABLE] = tables.get(RESPONSES_TABLE, 0)
    return wanted


async def groups_caught_up(hub: HubSettings) -> bool:
    """Every service's consumer group has committed the end of every partition it reads."""
    admin = AIOKafkaAdminClient(**kafka_client_options(hub), client_id="chaos-check")
    consumer = AIOKafkaConsumer(**kafka_client_options(hub), enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        for service in ("casefile", "referral", "partner-gateway", "signals"):
            committed = await admin.list_consumer_group_offsets(hub.topic(service))
            partitions = [
                TopicPartition(topic, p)
                for topic in consumed_topics(hub, service)
                for p in sorted(consumer.partitions_for_topic(topic) or ())
            ]
            if not partitions:
                return False
            end = await consumer.end_offsets(partitions)
            for tp in partitions:
                done = committed.get(tp)  # None: the group never read it (empty partition)
                if (done.offset if done is not None else 0) < end[tp]:
                    return False
        return True
    except Exception:
        return False
    finally:
        await consumer.stop()
        await admin.close()


async def _dlq_count(hub: HubSettings) -> int:
    total = 0
    for topic in EVENT_TOPICS:
        total += len(await _dead_letters(hub, topic))
    return total


async def _dead_letters(hub: HubSettings, topic: Topic) -> list[Any]:
    return await read_topic(hub, dead_letter_topic(hub.topic(topic)), idle_seconds=0.3)


# --- the checks ---------------------------------------------------------------------------------


async def check(
    outcome: Outcome,
    hub: HubSettings,
    client: HubClient,
    persons: list[Person],
    partner: PatientPartner,
    poison: dict[str, list[bytes]],
) -> None:
    done = [p for p in persons if p.referral_id is not None and p.case_id is not None]
    outcome.completed = len(done)
    for person in persons:
        if person.error is not None:
            outcome.problem(f"flow of person {person.index} failed: {person.error}")
    await bounded(done, lambda p: _check_referral(outcome, client, partner, p))
    await bounded(done, lambda p: _check_timeline(outcome, client, p))
    await _check_topics(outcome, hub, done)
    await _check_dead_letters(outcome, hub, poison)
    await _check_signals(outcome, client, len(done))


async def _check_referral(
    outcome: Outcome, client: HubClient, partner: PatientPartner, person: Person
) -> None:
    assert person.referral_id is not None
    rid = str(person.referral_id)
    referral = await client.referral(person.referral_id)
    history = [(h["from_status"], h["to_status"]) for h in referral["history"]]
    accepted = sum(1 for _, to in history if to == "accepted")
    reports = partner.reports.get(rid, 0)
    if referral["status"] != "accepted" or accepted != 1 or reports != 1:
        outcome.not_exactly_once += 1
        outcome.problem(
            f"referral {rid}: status {referral['status']}, {accepted} accepted transition(s),"
            f" {reports} report(s) taken{_gave_up(partner, rid)}"
        )
    if referral["status"] != "accepted":
        outcome.lost_referrals.add(rid)
    repeated = [t for t, n in Counter(history).items() if n > 1]
    if repeated or reports > 1:
        outcome.twice_referrals.add(rid)
        outcome.problem(f"referral {rid}: repeated transitions {repeated}, {reports} reports")


def _gave_up(partner: PatientPartner, referral_id: str) -> str:
    why = partner.gave_up.get(referral_id)
    return f" (partner gave up: {why})" if why else ""


async def _check_timeline(outcome: Outcome, client: HubClient, person: Person) -> None:
    assert person.case_id is not None
    assert person.referral_id is not None
    timeline = (await client.case(person.case_id))["timeline"]
    rid = str(person.referral_id)
    mine = [e for e in timeline if (e.get("details") or {}).get("referral_id") == rid]
    entries = Counter((e["kind"], _status(e)) for e in mine)
    entries["bottleneck_observed", None] = sum(
        1 for e in timeline if e["kind"] == "bottleneck_observed"
    )
    missing = [
        k
        for k in (
            ("referral_approved", None),
            ("referral_status_changed", "accepted"),
            ("partner_status_reported", "accepted"),
            ("bottleneck_observed", None),
        )
        if entries[k] == 0
    ]
    if missing:
        outcome.lost_referrals.add(rid)
        outcome.problem(f"case {person.case_id}: timeline lacks {missing}")
    twice = [k for k, n in entries.items() if n > 1 and k[0] != "disclosure_made"]
    if twice:
        outcome.twice_referrals.add(rid)
        outcome.problem(f"case {person.case_id}: timeline entries twice: {twice}")


async def _check_topics(outcome: Outcome, hub: HubSettings, persons: list[Person]) -> None:
    cases = {str(p.case_id) for p in persons}
    approved = await _distinct_ids(hub, Topic.REFERRAL_EVENTS, ReferralApproved.event_type, cases)
    reported = await _distinct_ids(
        hub, Topic.PARTNER_EVENTS, PartnerStatusReportedV2.event_type, cases
    )
    for name, count in (("ReferralApproved", approved), ("PartnerStatusReported.v2", reported)):
        if count < len(persons):
            outcome.lost_on_topics = max(outcome.lost_on_topics, len(persons) - count)
            outcome.problem(f"{name}: {count} distinct envelopes for {len(persons)} referrals")
        if count > len(persons):
            outcome.twice_on_topics = max(outcome.twice_on_topics, count - len(persons))
            outcome.problem(f"{name}: {count} distinct envelopes for {len(persons)} referrals")


async def _distinct_ids(hub: HubSettings, topic: Topic, event_type: str, cases: set[str]) -> int:
    ids: set[UUID] = set()
    for record in await read_topic(hub, hub.topic(topic), idle_seconds=0.5):
        try:
            envelope = Envelope.from_bytes(record.value or b"")
        except ContractError:
            continue  # poison
        if envelope.type == event_type and envelope.subject in cases:
            ids.add(envelope.id)
    return len(ids)


async def _check_dead_letters(
    outcome: Outcome, hub: HubSettings, poison: dict[str, list[bytes]]
) -> None:
    expected: Counter[tuple[str, bytes, str]] = Counter()
    for topic in EVENT_TOPICS:
        name = hub.topic(topic)
        for value in poison.get(name, []):
            for consumer in consumers_of(topic):
                expected[name, value, consumer] += 1
    actual: Counter[tuple[str, bytes, str]] = Counter()
    for topic in EVENT_TOPICS:
        # Opened with the harness's dead-letter key (the processes seal with the same one).
        for letter in await load_dead_letters(hub, topic):
            key = (
                letter.headers.get("dlq-original-topic", "?"),
                letter.value or b"",
                letter.headers.get("dlq-consumer", "?"),
            )
            actual[key] += 1
    outcome.dlq_expected = sum(expected.values())
    outcome.dlq_actual = sum(actual.values())
    if actual != expected:
        unexpected = actual - expected
        missing = expected - actual
        for (source, value, consumer), n in list(unexpected.items())[:5]:
            outcome.problem(f"DLQ: unexpected {n}x from {consumer} on {source}: {value[:120]!r}")
        for (source, _, consumer), n in list(missing.items())[:5]:
            outcome.problem(f"DLQ: missing {n}x poison record from {consumer} on {source}")


async def _check_signals(outcome: Outcome, client: HubClient, persons: int) -> None:
    tables = _relevant(await contributions(client))
    bottleneck_tables = [t for t in tables if t.startswith(BOTTLENECK_TABLE_PREFIX)]
    outcome.signals_match = bool(bottleneck_tables) and all(n == persons for n in tables.values())
    if not outcome.signals_match:
        outcome.problem(f"signals contributions {tables} for {persons} persons")
