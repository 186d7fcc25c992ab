"""Both versions of ReferralRefused reach the case's timeline (v1 records may still be read)."""

import uuid
from typing import Any

import pytest
from hub_contracts import (
    REFUSAL_TEXTS,
    ReferralRefused,
    ReferralRefusedV2,
    RefusalCode,
    RefusalCodeV1,
    RefusalCodeV2,
    RefusalReasonV1,
)
from hub_contracts import (
    RefusalReasonV2 as RefusalReason,
)
from hub_runtime.auth import Role
from hub_runtime.testing import wait_until

pytestmark = pytest.mark.integration


async def test_v1_and_v2_refusals_are_on_the_timeline(casefile: Any) -> None:
    case_id = await casefile.open_case()
    ids = {"case_id": uuid.UUID(case_id), "partner_id": uuid.uuid4()}
    old = ReferralRefused(
        **ids,
        referral_id=uuid.uuid4(),
        reasons=[RefusalReasonV1.from_code(RefusalCodeV1.CONSENT_MISSING)],
    )
    new = ReferralRefusedV2(
        **ids,
        referral_id=uuid.uuid4(),
        reasons=[RefusalReason.from_code(RefusalCodeV2.REFUSED_AT_REVIEW)],
    )
    await casefile.publish(old)
    await casefile.publish(new)
    headers = casefile.token(Role.COUNSELLOR)

    async def refusals() -> list[dict[str, Any]]:
        view = (await casefile.http.get(f"/cases/{case_id}", headers=headers)).json()
        return [e for e in view["timeline"] if e["kind"] == "referral_refused"]

    async def both_applied() -> bool:
        return len(await refusals()) == 2

    await wait_until(both_applied)
    by_referral = {e["details"]["referral_id"]: e["details"]["reasons"] for e in await refusals()}
    assert by_referral == {
        str(old.referral_id): [
            {"code": "consent_missing", "text": REFUSAL_TEXTS[RefusalCode.CONSENT_MISSING]}
        ],
        str(new.referral_id): [
            {"code": "refused_at_review", "text": REFUSAL_TEXTS[RefusalCode.REFUSED_AT_REVIEW]}
        ],
    }
