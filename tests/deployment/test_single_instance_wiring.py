"""Which periodic workers run once across a service's instances (docs/deployment.md,
"Scale-out"): the passes are wrapped in `hub_runtime.leadership.single_instance`; the gateway's
webhook delivery, the HTTP clients' keep-alive and referral's inbox listener run in every
instance."""

from collections.abc import Callable, Sequence

import pytest
from casefile.bootstrap import definition as casefile
from casefile.config import Settings as CasefileSettings
from hub_runtime.service import Worker
from partner_gateway.bootstrap import definition as gateway
from partner_gateway.config import Settings as GatewaySettings
from referral.bootstrap import definition as referral
from referral.config import Settings as ReferralSettings
from signals.bootstrap import definition as signals
from signals.config import Settings as SignalsSettings


def _split(workers: Sequence[Worker]) -> tuple[set[str], set[str]]:
    once = {w.__name__ for w in workers if w.__qualname__.startswith("single_instance.")}
    return once, {w.__name__ for w in workers} - once


@pytest.mark.parametrize(
    ("workers", "once", "everywhere"),
    [
        pytest.param(
            lambda: casefile(CasefileSettings()).workers,
            {
                "deadline_worker",
                "retention_worker",
                "evidence_sealer",
                "nfc_normaliser",
                "person_indexer",
            },
            set(),
            id="casefile",
        ),
        pytest.param(
            lambda: referral(ReferralSettings()).workers,
            {"expiry_worker"},
            {"hold_open", "listen"},
            id="referral",
        ),
        pytest.param(
            lambda: signals(SignalsSettings()).workers,
            {"signals_publisher"},
            set(),
            id="signals",
        ),
        pytest.param(
            lambda: gateway(GatewaySettings()).workers,
            set(),
            {"deliveries", "hold_open"},
            id="partner-gateway",
        ),
    ],
)
def test_the_passes_run_once_and_the_rest_everywhere(
    workers: Callable[[], Sequence[Worker]], once: set[str], everywhere: set[str]
) -> None:
    assert _split(workers()) == (once, everywhere)
