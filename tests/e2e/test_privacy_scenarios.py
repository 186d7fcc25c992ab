"""The five privacy breaks of issue 12 ("Why"), replayed on the real stack, must not happen.

One hub (the four services in-process, on the real Kafka broker and PostgreSQL server, topics
and databases of its own) serves the module. Only the public HTTP APIs drive the scenarios, as
an admin, counsellors, a coordinator and partners would; the assertions read those APIs, Kafka
and the databases. Every scenario seeds personal data of its own (canaries). The last test
reads every topic of the hub through a Kafka client (the dead-letter topics and the command
topic too) and finds none of the canaries in any record's key, value or headers.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import UUID

import pytest
from hub_demo.client import council_today
from hub_demo.inprocess import RunningHub, start_hub
from hub_runtime.auth import Role
from hub_runtime.kafka import delete_topics_with_prefix
from hub_runtime.kafka_acls import provision, remove_acls
from hub_runtime.settings import HubSettings
from hub_runtime.testing import (
    plaintext_dump_contains,
    service_hubs,
    temporary_databases,
    wait_until,
)

from .scenario_users import (
    PARTNER_POLL_SECONDS,
    Person,
    Users,
    error_code,
    items_of,
    reviews_of,
)
from .topic_scan import found_in, read_topics, topics_of

pytestmark = pytest.mark.integration

PAPERS = ["identity", "contact", "travel_documents"]
SUPPORT = ["identity", "contact"]
DIAGNOSIS_CODE = "jansen_hiv_positive"
ORIGIN_CODE = "partner_origin_authority"  # 403 on every route that refuses the rule

SEEDED: dict[str, list[str]] = {}
"""Scenario -> the canaries it seeded (the topic scan looks for all of them)."""
CASES: list[UUID] = []
"""The scenarios' cases: the topic scan must find their ids (it reads the right topics)."""


@dataclass
class Hub:
    running: RunningHub
    databases: dict[str, str]
    prefix: str


@pytest.fixture(scope="module")
async def hub(hub_settings: HubSettings) -> AsyncIterator[Hub]:
    """`isolated_hub` + `hub_databases` + `start_hub`, for the whole module: the scenarios share
    one hub, so the final scan reads what all of them left in Kafka."""
    prefix = f"t-{uuid.uuid4().hex[:8]}."
    settings = hub_settings.model_copy(update={"topic_prefix": prefix})
    services = ("casefile", "referral", "partner_gateway", "signals")
    await provision(settings, prefix)  # the hub's topics and ACLs for the prefix
    async with temporary_databases(hub_settings, *services) as databases:
        running = await start_hub(settings, databases, await service_hubs(settings, databases))
        try:
            yield Hub(running, databases, prefix)
        finally:
            await running.stop()
            await remove_acls(hub_settings, prefix)
            await delete_topics_with_prefix(hub_settings, prefix)


@pytest.fixture(scope="module")
async def users(hub: Hub) -> AsyncIterator[Users]:
    users = Users(hub.running)
    try:
        yield users
    finally:
        await users.aclose()


async def _seed(scenario: str, users: Users, person: Person, stage: str) -> UUID:
    SEEDED[scenario] = person.canaries
    case_id = await users.open_case(person, stage)
    CASES.append(case_id)
    return case_id


# -- 1. an origin-country authority stays one ---------------------------------------------------


async def test_1_an_origin_country_authority_never_becomes_an_ngo_nor_receives_anything(
    users: Users,
) -> None:
    person = Person("Ayaan Kanarie-Eerste", "1961-11-23", "+31 6 7391 4628")
    case_id = await _seed("origin_authority", users, person, "final_rejection")
    authority = await users.register_partner("authority_origin")
    changes_url = f"{users.urls.referral}/partners/{authority}/changes"
    audit_before = await users.ok(Role.ADMIN, "GET", changes_url)

    body = {**users.partner_body("ngo"), "change_reason": "reclassified"}
    refused = await users.call(
        Role.ADMIN, "PUT", f"{users.urls.referral}/partners/{authority}", body
    )
    assert refused.status_code == 409, refused.text
    assert error_code(refused) == "origin_authority_permanent"
    entry = await users.ok(Role.ADMIN, "GET", f"{users.urls.referral}/partners/{authority}")
    assert (entry["partner_type"], entry["may_receive_data"]) == ("authority_origin", False)
    assert await users.ok(Role.ADMIN, "GET", changes_url) == audit_before
    assert [c["reason"] for c in audit_before] == ["registered"]

    # No gateway credentials for it, and a (stolen, validly signed) partner token is refused.
    credentials = f"{users.urls.gateway}/admin/partners/{authority}/credentials"
    # Every refusal of the rule is 403 partner_origin_authority, in every service (a policy
    # decision about the partner; reclassifying it above is a conflict with its history, 409).
    client = await users.call(Role.ADMIN, "POST", credentials)
    assert (client.status_code, error_code(client)) == (403, ORIGIN_CODE), client.text
    webhook = f"{users.urls.gateway}/admin/partners/{authority}/webhook"
    hook = {"url": "http://127.0.0.1:9/hook"}
    registered = await users.call(Role.ADMIN, "PUT", webhook, hook)
    assert (registered.status_code, error_code(registered)) == (403, ORIGIN_CODE), registered.text
    inbox = await users.inbox(authority)
    assert (inbox.status_code, error_code(inbox)) == (403, ORIGIN_CODE), inbox.text

    # No consent for it, no approved referral to it, nothing disclosed.
    consent = await users.consent(case_id, authority, ["return_counselling"], SUPPORT)
    assert (consent.status_code, error_code(consent)) == (403, ORIGIN_CODE), consent.text
    referral = await users.request(case_id, authority, "return_counselling", SUPPORT)
    assert referral.status_code == 201, referral.text
    assert referral.json()["status"] == "refused", referral.text
    codes = [r["code"] for r in referral.json()["refusal_reasons"]]
    assert "partner_origin_authority" in codes, referral.text
    consents = await users.ok(
        Role.COUNSELLOR, "GET", f"{users.urls.referral}/cases/{case_id}/consents"
    )
    referrals = await users.ok(
        Role.COUNSELLOR, "GET", f"{users.urls.referral}/cases/{case_id}/referrals"
    )
    assert [c for c in items_of(consents) if c["partner_id"] == str(authority)] == []
    assert [r for r in items_of(referrals) if r["status"] != "refused"] == []
    assert await users.disclosures(authority) == []
    deliveries = f"{users.urls.gateway}/admin/deliveries?partner_id={authority}"
    assert (await users.ok(Role.ADMIN, "GET", deliveries))["items"] == []


async def test_1b_credentials_issued_before_the_listing_stop_working(users: Users) -> None:
    """The same id, an NGO first (credentials that work), then listed as an origin-country
    authority: its credentials stop working and its type never changes back."""
    partner = await users.register_partner("ngo")
    credentials = f"{users.urls.gateway}/admin/partners/{partner}/credentials"
    issued = await users.ok(Role.ADMIN, "POST", credentials, None, 201)
    token_url = f"{users.urls.gateway}/partner/token"
    secrets = {"client_id": issued["client_id"], "client_secret": issued["client_secret"]}
    assert (await users.http.post(token_url, json=secrets)).status_code == 200

    entry = f"{users.urls.referral}/partners/{partner}"
    listed = {**users.partner_body("authority_origin"), "change_reason": "reclassified"}
    await users.ok(Role.ADMIN, "PUT", entry, listed)

    async def exchange_refused() -> bool:
        return (await users.http.post(token_url, json=secrets)).status_code == 403

    await wait_until(exchange_refused, within=30, interval=PARTNER_POLL_SECONDS)
    exchange = await users.http.post(token_url, json=secrets)
    assert error_code(exchange) == ORIGIN_CODE, exchange.text
    back = {**users.partner_body("ngo"), "change_reason": "correction"}
    refused = await users.call(Role.ADMIN, "PUT", entry, back)
    assert (refused.status_code, error_code(refused)) == (409, "origin_authority_permanent")
    audit = await users.ok(Role.ADMIN, "GET", f"{entry}/changes")
    assert [(c["reason"], c["after"]["partner_type"]) for c in audit] == [
        ("registered", "ngo"),
        ("reclassified", "authority_origin"),
    ]
    assert all(c["changed_by"] for c in audit)
    client = await users.call(Role.ADMIN, "POST", credentials)
    assert (client.status_code, error_code(client)) == (403, ORIGIN_CODE), client.text
    assert (await users.inbox(partner)).status_code == 403


# -- 2. protection first, whenever the stage changes --------------------------------------------


async def test_2_travel_documents_are_suspended_while_an_appeal_or_application_is_pending(
    users: Users,
) -> None:
    person = Person(
        "Bashir Kanarie-Tweede", "1972-06-19", "+31 6 2846 1957", "Dunya Kanarie", "2013-08-29"
    )
    case_id = await _seed("protection_first", users, person, "first_rejection")
    partner = await users.register_partner("ngo")
    await users.grant(case_id, partner, ["travel_documents"], PAPERS)
    requested = await users.request(case_id, partner, "travel_documents", PAPERS)
    assert requested.status_code == 201, requested.text
    # A household with a minor: a coordinator reviews it first.
    assert requested.json()["status"] == "awaiting_review", requested.text
    referral_id = UUID(requested.json()["referral_id"])
    reviewed = await users.review(referral_id, "Papers needed for the return; reviewed by phone.")
    assert reviewed["status"] == "approved", reviewed

    await users.until_fetchable(partner, referral_id)
    for stage, fetchable in (
        ("appeal_pending", False),
        ("final_rejection", True),
        ("in_procedure", False),
    ):
        await users.change_stage(case_id, stage)
        if fetchable:
            await users.until_status_is_not(referral_id, "suspended")
            await users.until_fetchable(partner, referral_id)
        else:
            await users.wait_for_status(referral_id, "suspended")
            await users.until_refused(partner, referral_id, (409, "referral_suspended"))


# -- 3. every partner told of a referral learns of its withdrawal ------------------------------


async def test_3_a_partner_that_never_fetched_is_told_of_the_withdrawal(users: Users) -> None:
    person = Person("Chiara Kanarie-Derde", "1984-01-07", "+31 6 5173 2904")
    case_id = await _seed("told_partner", users, person, "final_rejection")
    partner = await users.register_partner("ngo")  # a pull partner: no webhook
    consent_id = await users.grant(case_id, partner, ["reintegration_support"], SUPPORT)
    requested = await users.request(case_id, partner, "reintegration_support", SUPPORT)
    assert requested.json()["status"] == "approved", requested.text
    referral_id = UUID(requested.json()["referral_id"])
    await users.wait_for_inbox(partner, "referral.ready", referral_id)

    withdraw = f"{users.urls.referral}/consents/{consent_id}/withdraw"
    await users.ok(Role.COUNSELLOR, "POST", withdraw)
    await users.wait_for_status(referral_id, "withdrawn")
    notice = await users.wait_for_inbox(partner, "notice.withdrawal", referral_id)
    inbox = (await users.inbox(partner)).json()["items"]
    assert [i for i in inbox if i["type"] == "referral.ready"] == [], "the ready entry stays"

    [listed] = [n for n in await users.notices() if n["referral_id"] == str(referral_id)]
    assert (listed["partner_id"], listed["kind"]) == (str(partner), "withdrawal")
    assert listed["acknowledged_at"] is None
    notice_id = notice["data"]["notice_id"]
    assert listed["notice_id"] == notice_id
    acked = await users.acknowledge(partner, notice_id)
    assert acked.status_code == 202, acked.text
    [listed] = [n for n in await users.notices() if n["referral_id"] == str(referral_id)]
    assert listed["acknowledged_at"] is not None
    assert await users.disclosures(partner) == []


# -- 4. erasure reaches every byte --------------------------------------------------------------


async def test_4_an_erasure_removes_review_reasons_and_evidence_references(
    users: Users, hub: Hub
) -> None:
    person = Person(
        "Dilnoza Kanarie-Vierde", "1969-03-31", "+31 6 8264 0375", "Emir Kanarie", "2012-10-14"
    )
    v_number = "V3141592653"
    letter = "IND/brief/2718281"
    reason = f"Spoke with {person.name} and son {person.child_name}; V-number {v_number}"
    case_id = await _seed("erasure", users, person, "final_rejection")
    SEEDED["erasure"] += [v_number, letter, reason]
    partner = await users.register_partner("ngo")
    consent_id = await users.grant(
        case_id, partner, ["reintegration_support"], SUPPORT, form_reference=v_number
    )
    requested = await users.request(case_id, partner, "reintegration_support", SUPPORT)
    referral_id = UUID(requested.json()["referral_id"])
    assert (await users.review(referral_id, reason))["status"] == "approved"
    effort = {
        "kind": "document_request",
        "occurred_on": council_today().isoformat(),
        "authority": "embassy",
        "outcome": "pending",
        "evidence_refs": [v_number, letter],
        "note": f"Visited the embassy with {person.name}",
    }
    efforts = f"{users.urls.casefile}/cases/{case_id}/efforts"
    await users.ok(Role.COUNSELLOR, "POST", efforts, effort, 201)

    views = [
        f"{users.urls.referral}/referrals/{referral_id}",
        f"{users.urls.referral}/cases/{case_id}/referrals",
        f"{users.urls.referral}/cases/{case_id}/consents",
        f"{users.urls.referral}/consents/{consent_id}",
    ]
    before = " ".join([(await users.call(Role.COUNSELLOR, "GET", url)).text for url in views])
    dossier = f"{users.urls.casefile}/cases/{case_id}/buitenschuld-dossier"
    before += (await users.call(Role.COUNSELLOR, "GET", dossier)).text
    # Served while the person is known: the checks below look for something that was there.
    assert [c for c in (reason, v_number, letter) if c not in before] == []

    await users.ok(Role.COORDINATOR, "DELETE", f"{users.urls.casefile}/cases/{case_id}/person")
    await users.wait_for_status(referral_id, "withdrawn")
    for url in views:
        answer = await users.call(Role.COUNSELLOR, "GET", url)
        assert answer.status_code == 200, answer.text
        assert [c for c in SEEDED["erasure"] if c in answer.text] == [], url
    shown = await users.referral(referral_id)
    assert [(r["reason"], r["reason_removed"]) for r in reviews_of(shown)] == [
        (None, "person_erased")
    ]
    for gone in (dossier, f"{users.urls.casefile}/cases/{case_id}"):
        assert (await users.call(Role.COUNSELLOR, "GET", gone)).status_code == 410, gone
    dump = await plaintext_dump_contains(
        hub.running.hub.pg_dsn, hub.databases.values(), SEEDED["erasure"]
    )
    assert dump == [], f"personal data in plaintext in a database: {dump}"


# -- 5. a decline carries a closed reason, never a name or a diagnosis ---------------------------


async def test_5_a_decline_with_a_free_reason_code_is_refused_and_reaches_no_topic(
    users: Users, hub: Hub
) -> None:
    person = Person("Femke Kanarie-Vijfde", "1990-12-05", "+31 6 3928 4710")
    case_id = await _seed("decline", users, person, "final_rejection")
    SEEDED["decline"].append(DIAGNOSIS_CODE)
    partner = await users.register_partner("ngo")
    await users.grant(case_id, partner, ["reintegration_support"], SUPPORT)
    requested = await users.request(case_id, partner, "reintegration_support", SUPPORT)
    referral_id = UUID(requested.json()["referral_id"])
    await users.wait_for_inbox(partner, "referral.ready", referral_id)

    free = {"status": "declined", "reason_code": DIAGNOSIS_CODE}
    refused = await users.report(partner, referral_id, free)
    assert refused.status_code == 422, refused.text
    assert DIAGNOSIS_CODE not in refused.text  # not even echoed back
    closed = await users.report(
        partner, referral_id, {"status": "declined", "reason_code": "no_capacity"}
    )
    assert closed.status_code == 202, closed.text
    await users.wait_for_status(referral_id, "declined")

    kafka = hub.running.hub
    records = await read_topics(kafka, await topics_of(kafka, hub.prefix))
    assert found_in(records, ["no_capacity"]), "the accepted decline is on no topic"
    assert found_in(records, [DIAGNOSIS_CODE]) == []


# -- also known: a closed case ------------------------------------------------------------------


async def test_6_a_closed_case_refuses_decisions_and_bottlenecks_and_withdraws_referrals(
    users: Users,
) -> None:
    person = Person("Goran Kanarie-Zesde", "1977-09-09", "+31 6 6402 8153")
    case_id = await _seed("closed_case", users, person, "final_rejection")
    partner = await users.register_partner("ngo")
    await users.grant(case_id, partner, ["reintegration_support"], SUPPORT)
    requested = await users.request(case_id, partner, "reintegration_support", SUPPORT)
    assert requested.json()["status"] == "approved", requested.text
    referral_id = UUID(requested.json()["referral_id"])
    await users.wait_for_inbox(partner, "referral.ready", referral_id)

    close = {"closed_on": council_today().isoformat()}
    await users.ok(Role.COUNSELLOR, "POST", f"{users.urls.casefile}/cases/{case_id}/close", close)
    await users.wait_for_status(referral_id, "withdrawn")
    decision = await users.record_decision(case_id, expect=409)
    assert error_code(decision) == "case_closed"
    bottleneck = {
        "category": "travel_documents_refused",
        "observed_on": council_today().isoformat(),
    }
    url = f"{users.urls.casefile}/cases/{case_id}/bottlenecks"
    refused = await users.call(Role.COUNSELLOR, "POST", url, bottleneck)
    assert (refused.status_code, error_code(refused)) == (409, "case_closed")
    again = await users.request(case_id, partner, "return_counselling", SUPPORT)
    assert (again.status_code, error_code(again)) == (409, "case_closed")
    consent = await users.consent(case_id, partner, ["return_counselling"], SUPPORT)
    assert (consent.status_code, error_code(consent)) == (409, "case_closed")
    await users.until_refused(partner, referral_id, (410, "case_closed"))
    await users.wait_for_inbox(partner, "notice.withdrawal", referral_id)


# -- the scan of every topic ---------------------------------------------------------------------


async def test_7_no_topic_holds_any_canary(hub: Hub) -> None:
    """Runs last: every record of every topic of the hub (events, commands, dead letters), read
    through a Kafka client, holds none of the personal data the scenarios seeded."""
    scenarios = {
        "origin_authority",
        "protection_first",
        "told_partner",
        "erasure",
        "decline",
        "closed_case",
    }
    assert scenarios <= set(SEEDED), "run the whole module: the scan reads what scenarios left"
    kafka = hub.running.hub
    topics = await topics_of(kafka, hub.prefix)
    names = {t.removeprefix(hub.prefix) for t in topics}
    assert {"casefile.events.v1", "referral.events.v1", "partner.events.v1"} <= names, names
    assert {"referral.commands.v1", "referral.commands.v1.dlq", "casefile.events.v1.dlq"} <= names
    records = await read_topics(kafka, topics)
    # The scan sees the scenarios' events (their case ids), so an empty scan cannot pass.
    assert all(found_in(records, [str(case_id)]) for case_id in CASES)
    canaries = sorted({c for seeded in SEEDED.values() for c in seeded})
    found = found_in(records, canaries)
    assert found == [], f"personal data on Kafka: {found}"
    # And none of it in plaintext in any database (encrypted or shredded everywhere).
    dump = await plaintext_dump_contains(hub.running.hub.pg_dsn, hub.databases.values(), canaries)
    assert dump == [], f"personal data in plaintext in a database: {dump}"
