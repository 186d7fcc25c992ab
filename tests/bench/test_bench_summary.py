"""The bench's own arithmetic: the JSON summary line and the profile's top functions."""

import json
import math
from pathlib import Path

from bench.consumers import ConsumerResult
from bench.endtoend import EndToEndResult, Phase
from bench.profile import activity, top_functions
from bench.summary import summary_line


def _phase(name: str, completed: int, elapsed: float, latencies: list[float]) -> Phase:
    cpu = {"casefile": 20.0, "referral": 10.0, "partner-gateway": 30.0, "signals": 5.0,
           "driver (load + simulators)": 40.0, "machine (of all CPUs)": 90.0}  # fmt: skip
    return Phase(name, "x", completed, completed, 0, elapsed, latencies, [], cpu, {})


def _consumer(service: str, hub_rate: float, pipeline_rate: float) -> ConsumerResult:
    return ConsumerResult(service, 10, [], hub_rate, 1e5, 5e4, 2e4, pipeline_rate, 10, 0, 0)


def test_summary_takes_each_figure_from_its_phase_and_the_lowest_consumer_share() -> None:
    closed = _phase("max throughput", 100, 4.0, [100.0] * 100)  # 25/s
    target = _phase("target load", 200, 10.0, [float(i) for i in range(1, 201)])
    e2e = EndToEndResult(8, 30.0, [closed, target], {}, {}, {}, 20.0, Path("."))
    results = [_consumer("a", 5000, 10000), _consumer("b", 3000, 12000)]
    line = json.loads(summary_line(e2e, results))
    assert line == {
        "referrals_per_s": 25.0,
        "p99_ms_at_100_per_s": 198.0,
        "service_cpu_ms_per_referral": 26.0,  # 65% of one CPU / 25 referrals/s
        "consumer_share_min": 0.25,
    }


def test_summary_says_null_where_a_figure_is_unknown() -> None:
    closed = _phase("max throughput", 10, 1.0, [1.0] * 10)
    late = _phase("target load", 100, 1.0, [1.0] * 98 + [math.inf] * 2)
    e2e = EndToEndResult(8, 30.0, [closed, late], {}, {}, {}, 20.0, Path("."))
    line = json.loads(summary_line(e2e, []))
    assert line["p99_ms_at_100_per_s"] is None  # more than 1% late: the p99 is not known
    assert line["consumer_share_min"] is None
    assert json.loads(summary_line(None, [])) == dict.fromkeys(line)


def test_top_functions_counts_the_leaf_as_self_and_each_frame_once_as_total(
    tmp_path: Path,
) -> None:
    frames = [{"name": n, "file": f"/x/site-packages/m/{n}.py", "line": 1} for n in "abc"]
    document = {
        "shared": {"frames": frames},
        "profiles": [
            # root first: a -> b -> c twice, a -> b once, a -> b -> b (recursion) once
            {"samples": [[0, 1, 2], [0, 1, 2], [0, 1], [0, 1, 1]], "weights": [0.01] * 4},
        ],
    }
    path = tmp_path / "s.speedscope.json"
    path.write_text(json.dumps(document))
    found = top_functions(path, 3)
    assert found.samples == 4
    assert found.by_self == [("c (m/c.py:1)", 2), ("b (m/b.py:1)", 2)]
    assert dict(found.by_total) == {"a (m/a.py:1)": 4, "b (m/b.py:1)": 4, "c (m/c.py:1)": 2}


def test_a_sample_is_billed_to_its_route_the_http_edge_or_its_worker() -> None:
    asgi = ["Runner.run", "RequestResponseCycle.run_asgi", "TracingMiddleware.__call__"]
    route = [*asgi, "run_endpoint_function", "router.<locals>.referral", "disclose"]
    files = ["?"] * 4 + ["/x/src/partner_gateway/api/partner.py", "?"]
    assert activity(route, files) == "HTTP route partner_gateway/api/partner.py: referral"
    assert activity([*asgi, "solve_dependencies"], ["?"] * 4).startswith("HTTP edge")
    consumer = ["Runner.run", "LogicSubscriber._run_consume_loop", "RecordApplier.process_batch"]
    assert activity(consumer, ["?"] * 3).startswith("Kafka consumer: a poll's records")
    assert activity(consumer[:2], ["?"] * 2).startswith("Kafka consumer: FastStream's loop")
    assert activity(["Runner.run", "Handle__run"], ["?"] * 2).startswith("other")


def test_the_settings_line_names_secrets_without_their_values() -> None:
    from bench.run import _overrides

    line = _overrides(
        {
            "HUB_KAFKA_PASSWORD_CASEFILE": "pw-casefile",
            "HUB_KAFKA_PASSWORD": "pw-admin",
            "HUB_PG_DSN": "postgresql://hub:pw-db@127.0.0.1/x",
            "HUB_DEAD_LETTER_KEY_FILE": "/run/secrets/dlq",
            "HUB_OUTBOX_POLL_SECONDS": "0.5",
            "PATH": "/usr/bin",
        }
    )
    assert "pw-" not in line
    assert "/run/secrets" not in line
    assert "HUB_KAFKA_PASSWORD_CASEFILE" in line
    assert "HUB_DEAD_LETTER_KEY_FILE" in line
    assert "HUB_OUTBOX_POLL_SECONDS=0.5" in line
    assert "PATH" not in line
