"""The client's calls beyond the counsellor's first flow, on the real stack: a referral in
review decided by a coordinator, a consent withdrawn (its open referral with it), a deadline
tracked, a person erased (the tombstone, 410 afterwards, the person free to open again); and
`HubClientSync` driving the counsellor flow from plain (non-async) code."""

import asyncio
from datetime import UTC, date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from hub_client import HubClient, HubClientSync, HubError
from hub_client import models as m
from hub_demo.inprocess import RunningHub
from hub_runtime.auth import Role

from .conftest import client_of, token

pytestmark = pytest.mark.integration


def today() -> date:
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()  # the services' "today"


def final_rejection(name: str, **more: object) -> m.OpenCase:
    fields: dict[str, object] = {
        "person": m.PersonIn(name=name, date_of_birth=date(1988, 6, 1), languages=["ar"]),
        "country_of_origin": "IQ",
        "region": "west",
        "location_type": "vbl",
        "stage": "final_rejection",
        "final_decision_on": today(),
        **more,
    }
    return m.OpenCase.model_validate(fields)


def consent(partner_id: UUID) -> m.GrantConsent:
    return m.GrantConsent(
        partner_id=partner_id,
        purposes=["reintegration_support"],
        data_categories=["identity"],
        valid_from=today(),
        valid_until=today() + timedelta(days=90),
        evidence=m.ConsentEvidence(
            form_reference="CF-KIT-2",
            language="ar",
            interpreter_used=False,
            taken_by="kit-counsellor",
            taken_at=datetime.now(UTC),
            informed_transfer_outside_eu=True,
        ),
    )


REFER = {"purpose": "reintegration_support", "data_categories": ["identity"]}


async def test_review_withdrawal_deadline_and_erasure(running_hub: RunningHub) -> None:
    partner_id = await running_hub.client().register_partner("IOM mission (kit coverage)")
    urls = running_hub.urls()
    coordinator = HubClient(
        urls.casefile, urls.referral, token(running_hub, Role.COORDINATOR, "kit-coordinator")
    )
    async with client_of(running_hub) as hub, coordinator:
        # A vulnerable person: the referral goes to a coordinator first.
        case_id = await hub.open_case(final_rejection("Noor Kittest", vulnerabilities=["medical"]))
        await hub.record_decision(
            case_id, m.RecordDecision(decision="independent_return", decided_on=today())
        )
        granted = await hub.grant_consent(case_id, consent(partner_id))
        asked = m.RequestReferral(partner_id=partner_id, **REFER)
        referral = await hub.request_referral(case_id, asked)
        assert referral.status == "awaiting_review", referral.refusal_reasons
        with pytest.raises(HubError) as counsellor:  # a counsellor may not decide a review
            await hub.review_referral(
                referral.referral_id, m.ReviewReferral(decision="approve", reason="x" * 12)
            )
        assert counsellor.value.status == 403
        reviewed = await coordinator.review_referral(
            referral.referral_id,
            m.ReviewReferral(decision="approve", reason="Spoke with the person and the doctor."),
        )
        assert reviewed.status == "approved"
        assert reviewed.review is not None
        assert (reviewed.review.decision, reviewed.review.reviewed_by) == (
            "approve",
            "kit-coordinator",
        )

        # Withdrawing the consent withdraws its open referral.
        withdrawn = await hub.withdraw_consent(granted.consent_id)
        assert withdrawn.withdrawn_at is not None
        assert [c.withdrawn_by for c in await hub.consents_of_case(case_id)] == ["kit-counsellor"]
        assert (await hub.read_referral(referral.referral_id)).status == "withdrawn"
        with pytest.raises(HubError) as twice:
            await hub.withdraw_consent(granted.consent_id)
        assert twice.value.status == 409

        # A deadline: an extension of the departure period, then its date in the case.
        tracked = await hub.schedule_deadline(
            case_id, m.ScheduleExtension(kind="extension", weeks=4, cooperating=True)
        )
        deadlines = {d.deadline_id: d for d in (await hub.read_case(case_id)).deadlines}
        assert deadlines[tracked.deadline_id].kind == "extension"
        with pytest.raises(HubError) as refused:
            await hub.schedule_deadline(
                case_id, m.ScheduleExtension(kind="extension", weeks=4, cooperating=False)
            )
        assert (refused.value.status, refused.value.error) == (422, "deadline_rule")

        # Erasure: a coordinator's; the tombstone; 410 afterwards; the person may come back.
        erased = await coordinator.erase_person(case_id)
        assert erased == m.PersonErased(case_id=case_id, erased=True)
        stone = await coordinator.read_tombstone(case_id)
        assert (stone.erased_by, stone.reason) == ("kit-coordinator", "request")
        with pytest.raises(HubError) as gone:
            await hub.read_case(case_id)
        assert (gone.value.status, gone.value.error) == (410, "person_erased")
        again = await hub.open_case(final_rejection("Noor Kittest", vulnerabilities=["medical"]))
        assert again != case_id


async def test_the_sync_client_drives_the_counsellor_flow(running_hub: RunningHub) -> None:
    partner_id = await running_hub.client().register_partner("IOM mission (kit sync client)")
    urls, bearer = running_hub.urls(), token(running_hub)

    def counsellor_tool() -> tuple[UUID, m.ReferralOut, m.CaseView]:
        # Plain blocking code, as a counsellors' tool without asyncio would write it.
        with HubClientSync(urls.casefile, urls.referral, bearer) as hub:
            body = final_rejection("Yara Kittest-Sync")
            hub.validate_case(body)
            case_id = hub.open_case(body)
            with pytest.raises(HubError) as known:
                hub.open_case(body)
            assert known.value.error == "person_already_known"
            hub.record_decision(
                case_id, m.RecordDecision(decision="independent_return", decided_on=today())
            )
            hub.grant_consent(case_id, consent(partner_id))
            referral = hub.request_referral(
                case_id, m.RequestReferral(partner_id=partner_id, **REFER)
            )
            return case_id, referral, hub.read_case(case_id)

    # In a thread: the services serve from this test's event loop meanwhile.
    case_id, referral, view = await asyncio.to_thread(counsellor_tool)
    assert referral.status == "approved", referral.refusal_reasons
    assert referral.case_id == case_id
    assert [d.decision for d in view.decisions] == ["independent_return"]
