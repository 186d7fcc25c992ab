"""Casefile's handlers through the bus on the in-memory fakes (milliseconds, no stack): what
they store, emit and refuse, and that a refusal leaves nothing behind."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from casefile import bodies as b
from casefile import messages as m
from casefile.deps import Deps
from casefile.errors import ImplausibleDateError
from casefile.fakes import FakeCasefile
from casefile.vault import PersonVault
from hub_contracts.vocabulary import DeadlineKind
from hub_runtime.auth import Principal, Role
from hub_runtime.errors import ConflictError, DomainError, GoneError, InvalidError, NotFoundError

NOW = datetime(2026, 3, 18, 10, 0, tzinfo=UTC)  # a Wednesday
TODAY = date(2026, 3, 18)
ALICE = Principal(sub="alice", role=Role.COUNSELLOR)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def cf() -> FakeCasefile:
    return FakeCasefile(
        Deps(vault=PersonVault("unit-test-secret", "unit-test-index-secret"), clock=Clock())
    )


def opened_days_ago(cf: FakeCasefile, days: int) -> None:
    """Open the next case ``days`` ago; the clock then comes back to NOW."""
    cf.deps.clock.now = NOW - timedelta(days=days)


def opening(**overrides: Any) -> b.OpenCase:
    body: dict[str, Any] = {
        "person": {"name": "Test Persoon", "date_of_birth": "1987-04-23"},
        "country_of_origin": "SY",
        "region": "oost",
        "location_type": "azc",
        "stage": "appeal_pending",
    }
    return b.OpenCase.model_validate(body | overrides)


async def open_case(cf: FakeCasefile, **overrides: Any) -> UUID:
    # Each case another person: casefile refuses a second open case for one person.
    person = {"name": f"Test Persoon {len(cf.state.cases) + 1}", "date_of_birth": "1987-04-23"}
    overrides.setdefault("person", person)
    case_id = await cf.bus().dispatch(m.OpenCase(opening(**overrides), ALICE))
    cf.deps.clock.now = NOW
    return case_id


def types(cf: FakeCasefile) -> list[str]:
    return [e.type.split(".")[2] for e in cf.outbox]


async def view(cf: FakeCasefile, case_id: UUID) -> dict[str, Any]:
    return await cf.bus().dispatch(m.ReadCase(case_id, ALICE, with_person=False))


async def final_rejection(cf: FakeCasefile, case_id: UUID, on: date, **extra: Any) -> UUID:
    body = b.ChangeStage(to_stage="final_rejection", decided_on=on, **extra)
    await cf.bus().dispatch(m.ChangeStage(case_id, body, ALICE))
    return UUID(str((await view(cf, case_id))["stage_history"][-1]["entry_id"]))


def correct(entry_id: UUID, on: date, reason: str = "typing_error") -> b.CorrectRecordedDate:
    return b.CorrectRecordedDate.model_validate(
        {"entry_id": str(entry_id), "decided_on": on.isoformat(), "reason": reason}
    )


def departure(v: dict[str, Any]) -> date:
    (due,) = [d["due_date"] for d in v["deadlines"] if d["kind"] == "departure_period"]
    return date.fromisoformat(str(due))


async def test_opening_a_case_stores_seals_and_announces_it(cf: FakeCasefile) -> None:
    case_id = await open_case(cf, location_type="family_location", household=[
        {"relation": "child", "date_of_birth": "2019-02-28"}])  # fmt: skip
    assert types(cf) == ["CaseOpened", "DeadlineScheduled"]
    stored = cf.state.fields[case_id]
    assert set(stored) == {"identity", "contact", "household"}
    assert b"Test Persoon" not in stored["identity"].ciphertext
    v = await view(cf, case_id)
    assert [e["kind"] for e in v["timeline"]] == ["case_opened", "deadline_scheduled"]
    assert v["deadlines"][0]["due_date"] == date(2037, 2, 28)  # the 18th birthday


async def test_a_decisions_date_is_corrected_beside_the_original(cf: FakeCasefile) -> None:
    opened_days_ago(cf, 30)
    case_id = await open_case(cf)
    body = b.RecordDecision(decision="independent_return", decided_on=TODAY)
    await cf.bus().dispatch(m.RecordDecision(case_id, body, ALICE))
    (decision,) = (await view(cf, case_id))["decisions"]
    entry_id = decision["entry_id"]
    fixed = TODAY - timedelta(days=1)

    correction_id = await cf.bus().dispatch(
        m.CorrectRecordedDate(case_id, correct(entry_id, fixed, "date_from_wrong_document"), ALICE)
    )

    v = await view(cf, case_id)
    (decision,) = v["decisions"]
    assert (decision["decided_on"], decision["originally_decided_on"]) == (fixed, TODAY)
    recorded, corrected = [e for e in v["timeline"] if "decision" in e["kind"]]
    assert recorded["details"]["decided_on"] == TODAY.isoformat()  # never overwritten
    assert corrected["kind"] == "decision_date_corrected"
    assert corrected["details"] == {
        "entry_id": str(entry_id),
        "previous_decided_on": TODAY.isoformat(),
        "decided_on": fixed.isoformat(),
        "reason": "date_from_wrong_document",
        "corrected_by": "alice",
    }
    event = cf.outbox[-1]
    assert event.type == "council.casefile.DecisionDateCorrected.v1"
    assert event.data["correction_id"] == str(correction_id)
    assert event.data["decided_on"] == fixed.isoformat()
    assert not v["deadlines"]  # nothing is counted from a person's decision


async def test_a_decisions_corrected_date_may_not_reorder_the_decisions(cf: FakeCasefile) -> None:
    """The newest decision recorded is the person's decision: a correction that would date it
    before the one recorded earlier is refused and leaves nothing behind."""
    opened_days_ago(cf, 30)
    case_id = await open_case(cf)
    for decision, days_ago in (("irregular_stay", 20), ("independent_return", 10)):
        body = b.RecordDecision(decision=decision, decided_on=TODAY - timedelta(days=days_ago))
        await cf.bus().dispatch(m.RecordDecision(case_id, body, ALICE))
    newest = (await view(cf, case_id))["decisions"][-1]["entry_id"]
    before = len(cf.outbox)
    with pytest.raises(ImplausibleDateError) as refused:
        await cf.bus().dispatch(
            m.CorrectRecordedDate(case_id, correct(newest, TODAY - timedelta(days=25)), ALICE)
        )
    assert refused.value.code == "date_out_of_order"
    assert len(cf.outbox) == before
    fine = TODAY - timedelta(days=15)
    await cf.bus().dispatch(m.CorrectRecordedDate(case_id, correct(newest, fine), ALICE))
    assert (await view(cf, case_id))["decisions"][-1]["decided_on"] == fine


async def test_a_final_rejections_date_recounts_the_departure_and_its_extension(
    cf: FakeCasefile,
) -> None:
    case_id = await open_case(cf)
    entry_id = await final_rejection(cf, case_id, TODAY)
    extension = b.ScheduleExtension(kind="extension", weeks=6, cooperating=True)
    await cf.bus().dispatch(m.ScheduleDeadline(case_id, extension))
    before = {d["kind"]: d["deadline_id"] for d in (await view(cf, case_id))["deadlines"]}
    fixed = TODAY - timedelta(days=10)
    cf.outbox.clear()

    await cf.bus().dispatch(m.CorrectRecordedDate(case_id, correct(entry_id, fixed), ALICE))

    v = await view(cf, case_id)
    due = {d["kind"]: d for d in v["deadlines"]}
    assert due["departure_period"]["due_date"] == fixed + timedelta(days=28)
    assert due["extension"]["due_date"] == fixed + timedelta(days=28, weeks=6)
    assert {k: d["deadline_id"] for k, d in due.items()}.keys() == before.keys()
    assert all(due[k]["deadline_id"] != before[k] for k in before)  # tracked anew
    assert types(cf) == ["StageChangeDateCorrected", "DeadlineScheduled", "DeadlineScheduled"]
    assert {e.data["kind"] for e in cf.outbox[1:]} == {"departure_period", "extension"}
    assert all("due_date" not in e.data for e in cf.outbox)  # no date on Kafka
    assert v["stage_history"][-1]["decided_on"] == fixed


async def test_a_shortened_departure_stays_shortened(cf: FakeCasefile) -> None:
    case_id = await open_case(cf)
    entry_id = await final_rejection(cf, case_id, TODAY, departure_period_shortened=True)
    fixed = TODAY - timedelta(days=2)
    await cf.bus().dispatch(m.CorrectRecordedDate(case_id, correct(entry_id, fixed), ALICE))
    assert departure(await view(cf, case_id)) == fixed


async def test_the_next_stage_change_is_judged_by_the_corrected_date(cf: FakeCasefile) -> None:
    case_id = await open_case(cf, stage="in_procedure")
    first = b.ChangeStage(to_stage="first_rejection", decided_on=TODAY)
    await cf.bus().dispatch(m.ChangeStage(case_id, first, ALICE))
    entry_id = (await view(cf, case_id))["stage_history"][0]["entry_id"]
    earlier = TODAY - timedelta(days=20)
    await cf.bus().dispatch(m.CorrectRecordedDate(case_id, correct(entry_id, earlier), ALICE))
    # Recorded before the fix, 10 days ago would have been out of order; now it is not.
    await final_rejection(cf, case_id, TODAY - timedelta(days=10))
    assert departure(await view(cf, case_id)) == TODAY + timedelta(days=18)


@pytest.mark.parametrize(
    ("what", "error", "code"),
    [
        ("unknown entry", NotFoundError, "entry_not_found"),
        ("another case's entry", NotFoundError, "entry_not_found"),
        ("not a decision", InvalidError, "entry_not_correctable"),
        ("future", InvalidError, "date_in_future"),
        ("before 1900", InvalidError, "date_implausible"),
        ("before the case", InvalidError, "date_before_case"),
        ("unchanged", InvalidError, "date_unchanged"),
        ("closed", ConflictError, "case_closed"),
        ("erased", GoneError, "person_erased"),
    ],
)
async def test_refused_corrections_leave_nothing_behind(
    cf: FakeCasefile, what: str, error: type[DomainError], code: str
) -> None:
    opened_days_ago(cf, 30)
    case_id = await open_case(cf)
    other = await open_case(cf)
    body = b.RecordDecision(decision="undecided", decided_on=TODAY)
    await cf.bus().dispatch(m.RecordDecision(case_id, body, ALICE))
    await cf.bus().dispatch(m.RecordDecision(other, body, ALICE))
    v = await view(cf, case_id)
    entry_id = v["decisions"][0]["entry_id"]
    day = TODAY - timedelta(days=1)
    if what == "unknown entry":
        entry_id = uuid4()
    elif what == "another case's entry":
        entry_id = (await view(cf, other))["decisions"][0]["entry_id"]
    elif what == "not a decision":
        entry_id = v["timeline"][0]["entry_id"]  # case_opened
    elif what == "future":
        day = TODAY + timedelta(days=1)
    elif what == "before 1900":
        day = date(1899, 12, 31)
    elif what == "before the case":
        day = TODAY - timedelta(days=400)
    elif what == "unchanged":
        day = TODAY
    elif what == "closed":
        await cf.bus().dispatch(m.CloseCase(case_id, b.CloseCase(closed_on=TODAY), ALICE))
    elif what == "erased":
        await cf.bus().dispatch(m.ErasePerson(case_id, by="bob", reason="request"))
    events_before = len(cf.outbox)
    timeline_before = len(cf.state.timeline)

    with pytest.raises(error) as refused:
        await cf.bus().dispatch(m.CorrectRecordedDate(case_id, correct(entry_id, day), ALICE))

    assert refused.value.code == code
    assert str(day) not in refused.value.reason  # never echoes the date
    assert len(cf.outbox) == events_before
    assert len(cf.state.timeline) == timeline_before
    assert not cf.state.corrections


async def test_a_stage_change_cannot_be_moved_across_its_neighbours(cf: FakeCasefile) -> None:
    case_id = await open_case(cf, stage="in_procedure")
    day1, day2 = TODAY - timedelta(days=30), TODAY - timedelta(days=10)
    await cf.bus().dispatch(
        m.ChangeStage(case_id, b.ChangeStage(to_stage="first_rejection", decided_on=day1), ALICE)
    )
    await final_rejection(cf, case_id, day2)
    first, second = (await view(cf, case_id))["stage_history"]
    for entry_id, day in ((first["entry_id"], day2 + timedelta(days=1)),
                          (second["entry_id"], day1 - timedelta(days=1))):  # fmt: skip
        with pytest.raises(InvalidError) as refused:
            await cf.bus().dispatch(m.CorrectRecordedDate(case_id, correct(entry_id, day), ALICE))
        assert refused.value.code == "date_out_of_order"
    assert departure(await view(cf, case_id)) == day2 + timedelta(days=28)


async def test_stage_rules_refuse_and_roll_back(cf: FakeCasefile) -> None:
    case_id = await open_case(cf, stage="in_procedure")
    before = len(cf.outbox)
    with pytest.raises(ConflictError) as refused:
        await final_rejection(cf, case_id, TODAY)
    assert refused.value.code == "impossible_transition"
    assert len(cf.outbox) == before
    assert cf.state.cases[case_id].stage.value == "in_procedure"


async def test_erasure_shreds_the_key_and_keeps_a_tombstone(cf: FakeCasefile) -> None:
    case_id = await open_case(cf, location_type="family_location", household=[
        {"relation": "child", "date_of_birth": "2019-02-28"}])  # fmt: skip
    await cf.bus().dispatch(m.ErasePerson(case_id, by="bob", reason="request"))
    assert case_id not in cf.state.keys
    assert not [d for d in cf.state.deadlines if d.row.case_id == case_id]
    assert (await cf.bus().dispatch(m.ReadTombstone(case_id))).erased_by == "bob"
    assert types(cf)[-1] == "PersonErased"
    with pytest.raises(GoneError):
        await view(cf, case_id)


async def test_the_weekly_run_sends_each_notice_once(cf: FakeCasefile) -> None:
    case_id = await open_case(cf)
    await final_rejection(cf, case_id, TODAY - timedelta(days=30), departure_period_shortened=True)
    first = await cf.bus().dispatch(m.SendDeadlineNotices(NOW))
    again = await cf.bus().dispatch(m.SendDeadlineNotices(NOW))
    assert (first, again) == (1, 0)
    assert types(cf)[-1] == "DeadlinePassed"
    assert cf.outbox[-1].data["kind"] == DeadlineKind.DEPARTURE_PERIOD.value


async def test_a_passed_departure_recounted_by_a_correction_is_not_announced_again(
    cf: FakeCasefile,
) -> None:
    """Signals counts every DeadlinePassed: a second one for the same missed departure period
    (its date corrected, still in the past) would count that person twice."""
    case_id = await open_case(cf)
    entry_id = await final_rejection(cf, case_id, TODAY - timedelta(days=60))
    assert await cf.bus().dispatch(m.SendDeadlineNotices(NOW)) == 1
    fixed = TODAY - timedelta(days=50)
    await cf.bus().dispatch(m.CorrectRecordedDate(case_id, correct(entry_id, fixed), ALICE))
    cf.deps.clock.now = NOW + timedelta(weeks=1)
    await cf.bus().dispatch(m.SendDeadlineNotices(NOW + timedelta(weeks=1)))
    assert types(cf).count("DeadlinePassed") == 1
    assert departure(await view(cf, case_id)) == fixed + timedelta(days=28)
