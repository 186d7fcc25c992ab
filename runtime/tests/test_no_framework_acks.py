"""FastStream hosts the consumers; it never acknowledges for them (see `hub_runtime.kafka_host`).

Its ``ack()`` commits every offset the consumer has read, ``nack()`` seeks back with no backoff,
``NACK_ON_ERROR``/``ACK``/``ACK_FIRST`` do either on their own, auto-commit commits before the
transaction, and ``max_workers`` applies one partition's records out of order. Any of them
would break the hub's guarantee, so none may appear in the code base.
"""

import ast
from pathlib import Path

import pytest
from faststream.middlewares import AckPolicy
from hub_runtime.consumer import RecordApplier, RetryPolicy
from hub_runtime.dead_letter_seal import DeadLetterSealer
from hub_runtime.dead_letters import DeadLetterWriter
from hub_runtime.kafka_host import HostedConsumer, new_broker
from hub_runtime.settings import HubSettings

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    ROOT / "runtime" / "src",
    *sorted((ROOT / "services").glob("*/src")),
    ROOT / "demo" / "src",
    ROOT / "bench",
]
FORBIDDEN_CALLS = {"ack", "nack", "reject"}
FORBIDDEN_POLICIES = {"ACK", "ACK_FIRST", "NACK_ON_ERROR", "REJECT_ON_ERROR"}


def _python_files() -> list[Path]:
    files = [path for folder in SOURCES for path in folder.rglob("*.py")]
    assert len(files) > 100, "the scan must see the code base"
    return files


def _violations(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in FORBIDDEN_CALLS
        ):
            found.append(f"{where} calls .{node.func.attr}()")
        if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_POLICIES:
            found.append(f"{where} uses AckPolicy.{node.attr}")
        if isinstance(node, ast.Call):
            found += [f"{where} passes {k.arg}=" for k in node.keywords if _forbidden(node, k)]
    return found


def _forbidden(call: ast.Call, keyword: ast.keyword) -> bool:
    """Auto-commit switched on anywhere; concurrent workers on a subscriber (a thread pool's
    ``max_workers`` is not about Kafka)."""
    if keyword.arg in {"enable_auto_commit", "auto_commit"}:
        return not (isinstance(keyword.value, ast.Constant) and keyword.value.value is False)
    if keyword.arg == "max_workers":
        name = call.func.attr if isinstance(call.func, ast.Attribute) else ""
        return name == "subscriber"
    return False


def test_no_code_acknowledges_through_the_framework() -> None:
    violations = [v for path in _python_files() for v in _violations(path)]
    assert violations == []


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("await msg.ack()", "calls .ack()"),
        ("await message.nack()", "calls .nack()"),
        ("broker = KafkaBroker(ack_policy=AckPolicy.NACK_ON_ERROR)", "AckPolicy.NACK_ON_ERROR"),
        ("c = AIOKafkaConsumer(enable_auto_commit=True)", "enable_auto_commit="),
        ("broker.subscriber('t', max_workers=4)", "max_workers="),
    ],
)
def test_the_scan_finds_each_forbidden_form(tmp_path: Path, snippet: str, expected: str) -> None:
    """The scan is not vacuous: each forbidden form in a file is reported."""
    probe = ROOT / "runtime" / "tests" / f"_probe_{abs(hash(snippet))}.py"
    probe.write_text(snippet + "\n")
    try:
        [violation] = _violations(probe)
    finally:
        probe.unlink()
    assert expected in violation


def test_the_hosted_consumer_subscribes_with_manual_acknowledgement() -> None:
    # Never started: no connection, hence no login needed.
    unstarted = HubSettings(kafka_bootstrap="127.0.0.1:1", kafka_security_protocol="PLAINTEXT")
    broker = new_broker(unstarted, client_id="probe")
    applier = RecordApplier(
        service="probe",
        dead_letters=DeadLetterWriter(broker, "probe", DeadLetterSealer.of(unstarted)),
        uow_factory=lambda: None,  # type: ignore[arg-type,return-value]  # never called here
        handlers={},
        retry=RetryPolicy(),
    )
    hosted = HostedConsumer(broker, group_id="g", topics=["t"], applier=applier)
    assert hosted.subscriber.ack_policy is AckPolicy.MANUAL
