"""The four services as real OS processes (for fault injection and memory figures).

Same bootstraps as `make run`, but on free ports, with the caller's databases and topic prefix,
so a chaos run or a benchmark never touches the demo hub or another test's data. With
``instances_per_service=2`` every service runs twice: two processes on two HTTP ports, in the
same consumer groups and on the same databases, as a council with a second machine would run
them; the client (`HubProcesses.client`) then spreads its requests over both
(`hub_demo.balancer`).
"""

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from hub_runtime.settings import HubSettings

from hub_demo.balancer import RoundRobinTransport
from hub_demo.client import HubClient, HubUrls

# service name -> (python module, env prefix, database key)
SERVICE_MODULES: dict[str, tuple[str, str]] = {
    "casefile": ("casefile.main", "CASEFILE_"),
    "referral": ("referral.main", "REFERRAL_"),
    "partner-gateway": ("partner_gateway.main", "PARTNER_GATEWAY_"),
    "signals": ("signals.main", "SIGNALS_"),
}
DATABASE_KEYS = {
    "casefile": "casefile",
    "referral": "referral",
    "partner-gateway": "partner_gateway",
    "signals": "signals",
}


_IDENTITY_VARIABLES = ("HUB_KAFKA_PASSWORD_", "HUB_PG_DSN_", "HUB_PG_OWNER_DSN_")


def _without_other_identities(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` without stack.env's per-principal passwords and role DSNs: a service process
    gets only its own identity (as `infra/services.sh` starts them)."""
    return {k: v for k, v in environ.items() if not k.startswith(_IDENTITY_VARIABLES)}


GRACEFUL_STOP_SECONDS = 60.0
"""How long a SIGTERMed service gets before SIGKILL: more than the bound of its own stop with
the default settings (`ServiceRuntime.stop`: 10 s HTTP drain, 10 s tasks, twice 10 s of
`HUB_KAFKA_STOP_GRACE_SECONDS`, 10 s pools; docs/deployment.md). A stop usually takes a second
or two; 20 s here once killed a gateway that was still leaving its group."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class ServiceProcess:
    name: str
    env: dict[str, str]
    port: int
    log_path: Path
    process: asyncio.subprocess.Process | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError(f"{self.name} is not running")
        return self.process.pid

    async def start(self) -> None:
        module = SERVICE_MODULES[self.name][0]
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, env=self.env, stdout=log, stderr=log
        )
        self.starts += 1
        await self.wait_healthy()

    async def wait_healthy(self, within: float = 180) -> None:
        # 180 s, not 60: on a 2-core machine under a load average of 25 a service's imports
        # alone took a minute once, and the scenario was lost before it began.
        deadline = asyncio.get_running_loop().time() + within
        async with httpx.AsyncClient(timeout=1) as client:
            while asyncio.get_running_loop().time() < deadline:
                if self.process is not None and self.process.returncode is not None:
                    raise RuntimeError(f"{self.name} exited; see {self.log_path}")
                try:
                    if (await client.get(f"{self.url}/ready")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.name} did not become ready; see {self.log_path}")

    async def kill9(self) -> None:
        """SIGKILL: no clean-up at all, like a power cut of this one process."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()

    async def stop(self) -> None:
        """SIGTERM and wait (at most `GRACEFUL_STOP_SECONDS`, then SIGKILL): the graceful path."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout=GRACEFUL_STOP_SECONDS)
            except TimeoutError:
                await self.kill9()

    def rss_bytes(self) -> int:
        """Resident memory of the process now (from /proc)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS in /proc status")


@dataclass
class HubProcesses:
    """The services' processes: ``instances[name]`` lists every instance of a service (one by
    default), ``services[name]`` is its first instance (the one a single-instance hub has).
    ``service_env[name]`` overrides that service's environment (a proxied DSN, say), and
    ``instance_env[(name, index)]`` that of one instance of it (0-based index)."""

    hub: HubSettings
    databases: dict[str, str]
    log_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    instances_per_service: int = 1
    service_env: dict[str, dict[str, str]] = field(default_factory=dict)  # by service name
    instance_env: dict[tuple[str, int], dict[str, str]] = field(default_factory=dict)
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    instances: dict[str, list[ServiceProcess]] = field(default_factory=dict)
    balancer: RoundRobinTransport | None = None  # set by `client` with two instances

    def __post_init__(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for index in range(self.instances_per_service):
            self._add_instances(index)
        self.services = {name: every[0] for name, every in self.instances.items()}

    def _add_instances(self, index: int) -> None:
        """Instance ``index`` (0-based) of every service; instance k of referral and the
        gateway asks instance k of casefile (no load balancer between services)."""
        ports = {name: free_port() for name in SERVICE_MODULES}
        suffix = "" if index == 0 else f"-{index + 1}"
        for name, (_, prefix) in SERVICE_MODULES.items():
            env = {
                **_without_other_identities(os.environ),
                "HUB_KAFKA_BOOTSTRAP": self.hub.kafka_bootstrap,
                "HUB_PG_DSN": self.hub.pg_dsn,
                # As the harness (the admin), unless ``service_env`` gives the service its own
                # principal and roles (`hub_demo.identities`, as the fault suite and the
                # end-to-end benchmark do).
                "HUB_KAFKA_SECURITY_PROTOCOL": self.hub.kafka_security_protocol,
                "HUB_KAFKA_USERNAME": self.hub.kafka_username,
                "HUB_KAFKA_PASSWORD": self.hub.kafka_password.get_secret_value(),
                "HUB_KAFKA_CA_FILE": str(self.hub.kafka_ca_file or ""),
                "HUB_ENV": self.hub.env,
                "HUB_JWT_SECRET": self.hub.jwt_secret.get_secret_value(),
                # The harness opens the dead letters these processes seal with its own key.
                "HUB_DEAD_LETTER_KEY": self.hub.dead_letter_key.get_secret_value(),
                "HUB_TOPIC_PREFIX": self.hub.topic_prefix,
                "HUB_OUTBOX_POLL_SECONDS": str(self.hub.outbox_poll_seconds),
                "HUB_KAFKA_REPLICATION_FACTOR": str(self.hub.kafka_replication_factor),
                f"{prefix}HTTP_PORT": str(ports[name]),
                f"{prefix}DATABASE": self.databases[DATABASE_KEYS[name]],
                "PARTNER_GATEWAY_CASEFILE_URL": f"http://127.0.0.1:{ports['casefile']}",
                "REFERRAL_CASEFILE_URL": f"http://127.0.0.1:{ports['casefile']}",
                **self.extra_env,
                **self.service_env.get(name, {}),
                **self.instance_env.get((name, index), {}),
            }
            process = ServiceProcess(name, env, ports[name], self.log_dir / f"{name}{suffix}.log")
            self.instances.setdefault(name, []).append(process)

    def every_process(self) -> list[ServiceProcess]:
        """Every instance of every service."""
        return [process for every in self.instances.values() for process in every]

    def urls(self) -> HubUrls:
        s = self.services
        return HubUrls(
            casefile=s["casefile"].url,
            referral=s["referral"].url,
            gateway=s["partner-gateway"].url,
            signals=s["signals"].url,
        )

    def client(self) -> HubClient:
        """A client of the first instances' URLs; with two instances per service its requests
        are spread round-robin over both (``balancer.sent`` counts them per port)."""
        if self.instances_per_service == 1:
            return HubClient(self.urls(), self.hub.jwt_secret.get_secret_value())
        self.balancer = RoundRobinTransport(
            {every[0].port: [p.port for p in every] for every in self.instances.values()}
        )
        http = httpx.AsyncClient(timeout=30, transport=self.balancer)
        return HubClient(self.urls(), self.hub.jwt_secret.get_secret_value(), http)

    async def start_all(self) -> None:
        for service in self.every_process():
            await service.start()

    async def stop_all(self) -> None:
        for service in reversed(self.every_process()):
            await service.stop()
