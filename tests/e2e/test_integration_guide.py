"""The integration guide (docs/guide/integration-guide.md): every example runs, in order, against
the four services in-process on the real Kafka and PostgreSQL, and says what the guide says.

The examples run in one bash session (`guide_examples.ShellSession`) with the placeholders set
as a reader of the guide would set them: the services' addresses, the hub's development JWT
secret (for `python -m hub_runtime.auth`), a free port for the partner's webhook receiver. Each
block must exit 0 and print what :data:`EXPECTED` lists for it (regular expressions, each
searched in the block's standard output); every block the session runs must have an entry.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import sys
from pathlib import Path

import pytest
from hub_demo.inprocess import RunningHub
from hub_runtime.testing import principal_password, stack_env

from .guide_examples import Example, GuideFormatError, ShellSession, examples

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide" / "integration-guide.md"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

EXPECTED: dict[str, list[str]] = {
    "addresses": [r"^pass$"],
    "dev-tokens": [r"^eyJ"],
    "unauthorized": [
        r"(?im)^www-authenticate: Bearer",
        r'\{"error":"unauthorized","detail":"[^"]+","reasons":\[\]\}',
        r"(?m)^403$",
    ],
    "register-partner": [rf"^partner {UUID}$"],
    "partner-credentials": [r"^client pc_[0-9a-f]+$"],
    "partner-token": [r"^inbox: 200$"],
    "register-webhook": [r"^secret whsec_\.\.\.$"],
    "open-case": [rf"^case {UUID}$"],
    "person-already-known": [r"(?m)^409$", r"(?m)^person_already_known$", r"(?m)^true$"],
    "stage-and-decision": [r'"stage":"final_rejection"', r'"decision":"independent_return"'],
    "consent": [rf"^consent {UUID}$"],
    "request-referral": [r'"status":"approved","refusal_reasons":\[\]'],
    "follow-referral": [r'"status":"(approved|delivered)"', r'"history":\["requested","approved"'],
    "run-counsellor-flow": [
        rf"(?m)^case {UUID}$",
        rf"(?m)^consent {UUID}$",
        rf"(?m)^referral {UUID} approved$",
    ],
    "error-shape": [
        rf'"existing_referral_id":"{UUID}","error":"referral_already_open"',
        r'"reasons":\[\]',
        r"(?m)^409$",
    ],
    "idempotency": [
        rf"(?m)^{UUID}$",
        r"(?im)^idempotent-replayed: true",
        r"(?m)^idempotency_key_reused$",
    ],
    "prefer-wait": [
        r"(?im)^preference-applied: wait=5",
        r'"status":"refused","refusal_reasons":\["consent_not_covering"\]',
    ],
    "review": [
        r'"status":"awaiting_review","review_points":\[.+\]',
        r'\{"status":"approved","reviewed_by":"dev-coordinator"\}',
    ],
    "webhooks-arrived": [rf"(?m)^(referral.ready {UUID}\n){{2}}referral.ready {UUID}$"],
    "rotate-secret": [r"^old secret valid until \d{4}-\d\d-\d\dT"],
    "run-partner-inbox": [
        rf"(?m)^referral.ready {UUID} fetched \['contact', 'identity'\] answered accepted: 202$"
    ],
    "run-partner-inbox-again": [r"^cursor \d+$"],
    "partner-reports": [
        r'"status":"in_progress".* 202',
        r'"months_after_return":3,"outcomes":\["reintegration_step"\].* 202',
        r'"error":"impossible_transition".*status reports that may follow: completed.* 409',
    ],
    "counsellor-sees-progress": [r"^referral in_progress$"],
    "erase-person": [r'"erased":true', rf"(?m)^notice.erasure {UUID}$"],
    "verify-rotation": [
        r"(?m)^signatures: 2$",
        r"(?m)^WEBHOOK_SECRET verifies notice\.",
        r"(?m)^NEW_WEBHOOK_SECRET verifies notice\.",
    ],
    "acknowledge-notice": [
        rf"(?m)^notice.erasure {UUID} acknowledged: 202$",
        r'"error":"person_erased".* 410$',
    ],
    "withdraw-consent": [
        rf'"consent_id":"{UUID}","withdrawn_by":"dev-counsellor"',
        rf"(?m)^notice.withdrawal {UUID} acknowledged: 202$",
        r"(?m)^referral withdrawn \(consent_withdrawn\)$",
    ],
    "rate-limit": [
        r"(?m)^429 answers: True Retry-After: [1-9]\d*$",
        r"(?m)^error: too_many_requests$",
        r"(?m)^with the helper: 200$",
    ],
    "asyncapi": [
        r"referral_commands_v1: referral.GrantConsentCommand.v1, referral.RequestReferralCommand"
        r".v1, referral.ReviewReferralCommand.v1, referral.WithdrawConsentCommand.v1"
    ],
    "kafka-command": [
        r"(?m)^sent council.referral.RequestReferralCommand.v1 to \S*referral.commands.v1$",
        r"(?m)^outcome on Kafka: ReferralRequested, ReferralApproved$",
    ],
    "kafka-command-outcome": [
        r"(?m)^return_counselling (approved|delivered) requested_by=dev-counsellor$"
    ],
    "kafka-dead-letter": [r"(?m)^dead-lettered: rejected: referral_already_open: An open referral"],
    "partner-declines": [
        r"(?m)^without a reason: 422$",
        r"(?m)^declined$",
        r"(?m)^referral declined$",
    ],
}
"""What each block the session runs must print (searched with ``re.search``)."""

MAX_NOT_RUN = 3
"""Blocks shown but not run are the exception: each names its reason in its marker."""


def _guide() -> list[Example]:
    return examples(GUIDE.read_text())


def test_every_block_is_marked_and_checked() -> None:
    """No block escapes the test: each runs (with expectations), is saved and used by a later
    block, or is marked not-run with a reason (and those are rare)."""
    found = _guide()
    runs = {e.id for e in found if e.runs}
    assert runs == set(EXPECTED), {
        "run but without expectations": sorted(runs - set(EXPECTED)),
        "expectations without a block": sorted(set(EXPECTED) - runs),
    }
    not_run = [e for e in found if e.not_run is not None]
    assert len(not_run) <= MAX_NOT_RUN, [e.id for e in not_run]
    assert all(e.not_run and len(e.not_run.split()) >= 3 for e in not_run), not_run
    for index, saved in enumerate(found):
        if saved.save_as is None:
            continue
        used = Path(saved.save_as).stem
        later = [e.code for e in found[index + 1 :] if e.not_run is None]
        assert any(re.search(rf"\b{re.escape(used)}\b", code) for code in later), saved.id


def test_marker_rules_are_enforced() -> None:
    with pytest.raises(GuideFormatError, match="without a marker"):
        examples("text\n\n```bash\necho hi\n```\n")
    block = "<!-- example: a -->\n```bash\ntrue\n```\n"
    with pytest.raises(GuideFormatError, match="repeated example ids"):
        examples(block + block)
    with pytest.raises(GuideFormatError, match="not right before a block"):
        examples("<!-- example: a -->\nsome text\n```bash\ntrue\n```\n")
    shown = examples("<!-- example: a not-run: needs a real partner -->\n```python\npass\n```\n")
    assert shown[0].not_run == "needs a real partner"
    assert not shown[0].runs
    assert examples("```json\n{}\n```\n") == []


async def test_the_session_carries_state_and_reports_failures(tmp_path: Path) -> None:
    """The harness itself: exports persist, a python block sees them; a python exception, and a
    failing command in the middle of a bash block, fail their block (and end the session)."""
    for failing, status in [
        (Example("three", "python", "raise SystemExit(3)\n", 3), 3),
        (Example("four", "bash", "false\necho not reached\n", 4), 1),
    ]:
        session = ShellSession(tmp_path, _session_env({}))
        await session.start()
        try:
            first = Example("one", "bash", "export GREETING=hello\necho set\n", 1)
            assert (await session.run(first)).stdout == "set"
            script = "import os\nprint(os.environ['GREETING'])\n"
            seen = await session.run(Example("two", "python", script, 2))
            assert (seen.status, seen.stdout) == (0, "hello")
            failed = await session.run(failing)
            assert failed.status == status
            assert "not reached" not in failed.stdout
        finally:
            await session.close()


@pytest.mark.integration
@pytest.mark.expected_server_errors  # the refused Kafka command is dead-lettered (logged at ERROR)
async def test_the_guide_examples_run_against_the_hub(
    running_hub: RunningHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    urls = running_hub.urls()
    env = _session_env(
        {
            "CASEFILE_URL": urls.casefile,
            "REFERRAL_URL": urls.referral,
            "GATEWAY_URL": urls.gateway,
            "HUB_JWT_SECRET": running_hub.hub.jwt_secret.get_secret_value(),
            "RECEIVER_PORT": str(_free_port()),
            **_kafka_logins(),
        }
    )
    session = ShellSession(tmp_path, env)
    await session.start()
    try:
        for example in _guide():
            outcome = await session.run(example)
            print(f"--- {example.id} ({example.lang}): {outcome.status}\n{outcome.stdout}")  # -s
            where = f"example {example.id} (guide line {example.line})"
            log = session.stderr_log.read_text()[-3000:]
            assert outcome.status == 0, f"{where} exited {outcome.status}:\n{outcome.stdout}\n{log}"
            for pattern in EXPECTED.get(example.id, []) if example.runs else []:
                assert re.search(pattern, outcome.stdout), (
                    f"{where}: no {pattern!r} in\n{outcome.stdout}"
                )
    finally:
        await session.close()
    # The marker above admits ERROR records; only the one dead letter the guide provokes may be.
    errors = [(r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [("hub_runtime.consumer", "event dead-lettered")], errors


def _session_env(placeholders: dict[str, str]) -> dict[str, str]:
    """The test's environment, this interpreter's folder first on PATH (``python`` has httpx,
    standardwebhooks, aiokafka and the hub's tools, as the guide asks), plus ``placeholders``."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_URL")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return {**env, **placeholders}


def _kafka_logins() -> dict[str, str]:
    """The guide's Kafka logins: the ``tools`` principal writes commands; the stack's admin
    stands in for the reader an operator would grant (events and dead letters)."""
    env = stack_env()
    return {
        "KAFKA_TOOLS_USERNAME": "tools",
        "KAFKA_TOOLS_PASSWORD": principal_password("tools", env),
        "KAFKA_READER_USERNAME": env["HUB_KAFKA_USERNAME"],
        "KAFKA_READER_PASSWORD": env["HUB_KAFKA_PASSWORD"],
        "KAFKA_CA_FILE": env["HUB_KAFKA_CA_FILE"],
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
