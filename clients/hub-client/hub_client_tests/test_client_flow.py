"""`HubClient` on the real stack: the whole counsellor flow, typed answers, every refusal as
one `HubError` with the hub's `ErrorBody`, and a write whose answer is lost applied once."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest
from hub_client import HubClient, HubError, HubUnreachableError, RetryPolicy
from hub_client import models as m
from hub_demo.inprocess import RunningHub
from hub_runtime.auth import Role

from .conftest import client_of, count_cases, token

pytestmark = pytest.mark.integration

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PERSON = m.PersonIn(name="Rana Kittest-Aziz", date_of_birth="1991-02-11", languages=["ar"])


def case(**overrides: object) -> m.OpenCase:
    fields: dict[str, object] = {
        "person": PERSON,
        "country_of_origin": "IQ",
        "region": "west",
        "location_type": "vbl",
        "stage": "appeal_pending",
        **overrides,
    }
    return m.OpenCase.model_validate(fields)


async def test_the_client_drives_the_counsellor_flow(running_hub: RunningHub) -> None:
    partner_id = await running_hub.client().register_partner("IOM mission (kit client test)")
    today = datetime.now(AMSTERDAM).date()  # the services' "today" is the council's
    async with client_of(running_hub) as hub:
        await hub.validate_case(case())
        case_id = await hub.open_case(case())
        staged = await hub.change_stage(
            case_id, m.ChangeStage(to_stage="final_rejection", decided_on=today)
        )
        assert staged == m.StageChanged(case_id=case_id, stage="final_rejection")
        decided = await hub.record_decision(
            case_id, m.RecordDecision(decision="independent_return", decided_on=today)
        )
        assert decided.decision == "independent_return"
        await hub.record_options(
            case_id,
            m.RecordOptions(
                options=["independent_return"],
                language="ar",
                interpreter_used=True,
                discussed_on=today,
            ),
        )
        bottleneck = await hub.record_bottleneck(
            case_id, m.RecordBottleneck(category="travel_documents_refused", observed_on=today)
        )
        assert isinstance(bottleneck.bottleneck_id, UUID)

        view = await hub.read_case(case_id)
        assert view.stage == "final_rejection"
        assert view.person is not None
        assert view.person["identity"]["name"] == PERSON.name
        (decision,) = view.decisions
        # A case opened today has only today's dates, and a date corrected to itself is
        # refused: the call and its refusal are checked here, the answer's shape against the
        # document (test_models_match_documents).
        with pytest.raises(HubError) as unchanged:
            await hub.correct_date(
                case_id,
                m.CorrectRecordedDate(
                    entry_id=decision.entry_id, decided_on=today, reason="typing_error"
                ),
            )
        assert (unchanged.value.status, unchanged.value.error) == (422, "date_unchanged")

        consent = await hub.grant_consent(
            case_id,
            m.GrantConsent(
                partner_id=partner_id,
                purposes=["reintegration_support"],
                data_categories=["identity", "contact"],
                valid_from=today,
                valid_until=today + timedelta(days=180),
                evidence=m.ConsentEvidence(
                    form_reference="CF-KIT-1",
                    language="ar",
                    interpreter_used=False,
                    taken_by="kit-counsellor",
                    taken_at=datetime.now(UTC),
                    informed_transfer_outside_eu=True,
                ),
            ),
        )
        assert (await hub.read_consent(consent.consent_id)).case_id == case_id
        # No Prefer header: the hub keeps read-your-writes (issue 19, item 1).
        referral = await hub.request_referral(
            case_id,
            m.RequestReferral(
                partner_id=partner_id,
                purpose="reintegration_support",
                data_categories=["identity", "contact"],
            ),
        )
        assert referral.status == "approved", referral.refusal_reasons
        assert referral.consent_id == consent.consent_id
        assert (await hub.read_referral(referral.referral_id)).case_id == case_id
        assert [r.referral_id for r in await hub.referrals_of_case(case_id)] == [
            referral.referral_id
        ]

        # -- refusals: one exception, the hub's ErrorBody -----------------------------------
        with pytest.raises(HubError) as missing:
            await hub.read_case(uuid4())
        assert (missing.value.status, missing.value.error) == (404, "case_not_found")
        with pytest.raises(HubError) as impossible:
            await hub.change_stage(
                case_id, m.ChangeStage(to_stage="final_rejection", decided_on=today)
            )
        assert (impossible.value.status, impossible.value.error) == (409, "impossible_transition")
        assert impossible.value.detail
        with pytest.raises(HubError) as invalid:
            await hub.validate_case(case(country_of_origin="Iraq", region="atlantis"))
        assert (invalid.value.status, invalid.value.error) == (422, "invalid_request")
        assert sorted(r.split(":")[0] for r in invalid.value.reasons) == [
            "country_of_origin",
            "region",
        ]
        with pytest.raises(HubError) as again:
            await hub.request_referral(
                case_id,
                m.RequestReferral(
                    partner_id=partner_id,
                    purpose="reintegration_support",
                    data_categories=["identity"],
                ),
            )
        assert again.value.error == "referral_already_open"
        assert str(referral.referral_id) in again.value.extra.values()

    urls = running_hub.urls()
    async with HubClient(urls.casefile, urls.referral, "not.a.jwt") as forged:
        with pytest.raises(HubError) as unauthorized:
            await forged.read_case(case_id)
    assert (unauthorized.value.status, unauthorized.value.error) == (401, "unauthorized")
    admin = HubClient(urls.casefile, urls.referral, token(running_hub, Role.ADMIN, "kit-admin"))
    async with admin:
        with pytest.raises(HubError) as forbidden:
            await admin.open_case(case())
    assert forbidden.value.status == 403


class LoseFirstAnswer(httpx.AsyncBaseTransport):
    """Sends every request; drops the answer of the first POST to ``path`` (the server did
    the work, the client sees a broken connection) and records the keys sent."""

    def __init__(self, path: str) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.path = path
        self.keys: list[str | None] = []
        self.dropped = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and request.url.path == self.path:
            self.keys.append(request.headers.get("Idempotency-Key"))
            if not self.dropped:
                self.dropped = True
                await response.aread()
                raise httpx.ReadError("the answer was lost", request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_write_whose_answer_is_lost_is_retried_with_its_key_and_applied_once(
    running_hub: RunningHub,
) -> None:
    lossy = LoseFirstAnswer("/cases")
    async with client_of(running_hub, transport=lossy) as hub:
        case_id = await hub.open_case(case())
    assert lossy.dropped
    assert len(lossy.keys) == 2
    assert lossy.keys[0] is not None
    assert lossy.keys[0] == lossy.keys[1]
    assert await count_cases(running_hub) == 1
    async with client_of(running_hub) as hub:
        assert (await hub.read_case(case_id)).case_id == case_id
        # A key given by the caller is the one sent; a repeat is the first answer again.
        other = case(person=m.PersonIn(name="Sami Kittest-Aziz", date_of_birth="1993-04-05"))
        assert await hub.open_case(other, idempotency_key="tool-row-000001") == (
            await hub.open_case(other, idempotency_key="tool-row-000001")
        )
        # The same person again, without a key: casefile names the open case (issue 19).
        with pytest.raises(HubError) as known:
            await hub.open_case(case())
        assert (known.value.status, known.value.error) == (409, "person_already_known")
        assert known.value.extra == {"case_id": str(case_id)}
    assert await count_cases(running_hub) == 2


async def test_no_answer_at_all_raises_unreachable_after_the_attempts() -> None:
    class Refusing(httpx.AsyncBaseTransport):
        calls = 0

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            Refusing.calls += 1
            raise httpx.ConnectError("refused", request=request)

    policy = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02)
    async with HubClient("http://a", "http://b", "t", retry=policy, transport=Refusing()) as hub:
        with pytest.raises(HubUnreachableError) as unreachable:
            await hub.read_case(uuid4())
    assert Refusing.calls == 3
    assert unreachable.value.error == "unreachable"
    assert isinstance(unreachable.value.__cause__, httpx.ConnectError)
