"""schemathesis against a service's own OpenAPI document: no 5xx, no undocumented status, no
answer outside its documented schema.

The service runs in this process, in a thread with its own event loop (`in_background`), so
its log lines reach the `hub_runtime.server_errors` plugin and schemathesis' synchronous client
never blocks the service it tests. One test per service calls `fuzz` (see the services'
`tests/integration/test_openapi_fuzz.py`).
"""

import asyncio
import contextlib
import threading
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisDeprecationWarning
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from hub_runtime.kafka import delete_topics_with_prefix
from hub_runtime.service import ServiceDefinition, ServiceRuntime
from hub_runtime.settings import HubSettings
from hub_runtime.testing import temporary_databases

T = TypeVar("T")

EXAMPLES = 200
"""Per operation (the issue's minimum)."""
SEED = 13_2026
"""Fixed: a failure seen once is seen again on the next run."""
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]

HeadersFor = Callable[[str, str], Mapping[str, str]]
"""(method, path template) -> headers for the request (a token of a role that may call it)."""


@contextlib.contextmanager
def in_background(setup: Callable[[contextlib.AsyncExitStack], Awaitable[T]]) -> Iterator[T]:
    """Run `setup` in a new event loop in a thread and yield what it returns; on exit, close
    the exit stack `setup` filled (stopping services, dropping databases) in that loop."""
    ready = threading.Event()
    outcome: dict[str, Any] = {}
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def main() -> None:
        async with contextlib.AsyncExitStack() as stack:
            try:
                outcome["value"] = await setup(stack)
            except BaseException as exc:
                outcome["error"] = exc
                ready.set()
                return
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    ready.wait()
    try:
        if "error" in outcome:
            raise outcome["error"]
        yield outcome["value"]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=60)
        loop.close()


@dataclass
class FuzzReport:
    """What one run found: `failures` must be empty; the rest says how much was tried."""

    operations: list[str]
    without_inputs: set[str] = field(default_factory=set)
    requests: int = 0
    per_operation: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def short_of(self, examples: int) -> dict[str, int]:
        """Operations with inputs (parameters or a body) that got fewer than `examples`
        requests; one without inputs has a single distinct request."""
        return {
            op: n
            for op in self.operations
            if op not in self.without_inputs and (n := self.per_operation[op]) < examples
        }

    def summary(self) -> str:
        """One line for the test report: operations, requests and the count per HTTP status."""
        codes = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        return (
            f"{len(self.operations)} operations, {self.requests} requests in"
            f" {self.seconds:.0f} s; statuses {codes}"
        )


def fuzz(
    base_url: str,
    headers_for: HeadersFor,
    *,
    known: Mapping[str, Sequence[str]] | None = None,
    max_examples: int = EXAMPLES,
) -> FuzzReport:
    """Generate `max_examples` requests per operation of the document at `base_url`, half of
    them valid for the schema and half not (negative mode), and apply the three checks.

    `known` maps path parameter names to ids that exist (created by the test): operations with
    such a parameter also get requests for them, so generated bodies reach the handlers and
    not only the 404 of an unknown id (links between operations, done by hand). Strings are
    generated over all of Unicode (UTF-8 codec, NUL allowed). No shrinking, no deadline, no
    example database: the run costs the same every time."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operations = []
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):  # the service published a document it cannot honour
            raise result.err()
        operations.append(result.ok())
    # Deletions last: erasing the known ids early would leave the other operations only 410s.
    operations.sort(key=lambda op: op.method.upper() == "DELETE")
    report = FuzzReport(
        operations=[op.label for op in operations],
        without_inputs={
            op.label for op in operations if not list(op.iter_parameters()) and not len(op.body)
        },
    )
    started = time.monotonic()
    for operation in operations:
        _fuzz_operation(operation, base_url, headers_for, known or {}, max_examples, report)
    report.seconds = time.monotonic() - started
    return report


def _fuzz_operation(
    operation: Any,
    base_url: str,
    headers_for: HeadersFor,
    known: Mapping[str, Sequence[str]],
    max_examples: int,
    report: FuzzReport,
) -> None:
    strategy = _strategy(operation, known)
    headers = dict(headers_for(operation.method.upper(), operation.path))
    session = requests.Session()  # one kept-alive connection, not a new one per request

    @seed(SEED)
    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        try:
            response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
        except Exception as exc:  # the connection broke: the server did not answer at all
            report.failures.setdefault(f"{operation.label}: no answer", repr(exc))
            return
        report.requests += 1
        report.per_operation[operation.label] += 1
        report.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except BaseException as exc:  # schemathesis raises a FailureGroup (an ExceptionGroup)
            if isinstance(exc, KeyboardInterrupt):
                raise
            key = f"{operation.label}: {response.status_code} {type(exc).__name__}"
            report.failures.setdefault(key, _describe(exc, case, response))

    with session, warnings.catch_warnings():
        # schemathesis' own strategies draw from `random` (hypothesis deprecates that); not
        # ours to fix, and the run stays reproducible through the fixed seed.
        warnings.simplefilter("ignore", HypothesisDeprecationWarning)
        run()


def _strategy(operation: Any, known: Mapping[str, Sequence[str]]) -> Any:
    modes = [operation.as_strategy(generation_mode=GenerationMode.POSITIVE)]
    with contextlib.suppress(Exception):  # an operation with nothing to negate has no negatives
        modes.append(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    names = {p.name for p in operation.path_parameters}
    ids = {name: values for name, values in known.items() if name in names and values}
    if ids and len(ids) == len(names):
        fixed = st.fixed_dictionaries({n: st.sampled_from(list(v)) for n, v in ids.items()})
        modes.append(
            fixed.flatmap(
                lambda params: operation.as_strategy(
                    generation_mode=GenerationMode.POSITIVE, path_parameters=params
                )
            )
        )
    return st.one_of(modes)


def _describe(exc: BaseException, case: Any, response: Any) -> str:
    body = response.text[:300] if hasattr(response, "text") else ""
    return (
        f"{exc}\n  request: {case.method} {case.formatted_path} query={case.query!r}"
        f" body={str(case.body)[:300]!r}\n  answer: {response.status_code} {body}"
    )


async def isolated(stack: contextlib.AsyncExitStack, hub: HubSettings) -> HubSettings:
    """`hub` with a topic prefix of its own, whose topics are deleted when `stack` closes."""
    prefix = f"t-{uuid.uuid4().hex[:8]}."
    stack.push_async_callback(delete_topics_with_prefix, hub, prefix)
    return hub.model_copy(update={"topic_prefix": prefix})


async def run_service(
    stack: contextlib.AsyncExitStack,
    hub: HubSettings,
    definition: Callable[[str], ServiceDefinition],
) -> ServiceRuntime:
    """Start the service `definition(database)` builds, on a new database; stopped (and the
    database dropped) when `stack` closes."""
    names = await stack.enter_async_context(temporary_databases(hub, "db"))
    runtime = ServiceRuntime(definition(names["db"]), hub)
    await runtime.start()
    stack.push_async_callback(runtime.stop)
    return runtime
