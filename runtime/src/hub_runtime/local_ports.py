"""Where the services listen on a developer's machine (``make run``, ``infra/services.sh``).

Each service's port is its own setting, ``<SERVICE>_HTTP_PORT`` (the variable the service
itself reads: ``CASEFILE_HTTP_PORT``, ``REFERRAL_HTTP_PORT``, ``PARTNER_GATEWAY_HTTP_PORT``,
``SIGNALS_HTTP_PORT``; the partner simulator's is ``SIM_PORT``), by default 8101-8104 and
8190. An operator who runs a second stack on the same machine exports other ports before
``make run``; ``infra/services.sh`` starts the services on them, and the tools that find the
services on this machine (``hub``, the demo seeding, the simulator) read the same variables
through :func:`local_url`, so they follow.

``make run`` records the ports it used in ``.hub/run/ports.env`` (``infra/services.sh``,
removed by ``make down``): where a port variable is not set, that record is read (from the
working directory, as ``hub`` reads ``.hub/stack.env``; ``HUB_PORTS_FILE`` names another file),
so ``hub`` and the demo seeding find a stack started on other ports from any shell, as ``make
status`` does. A variable that is set still wins.
"""

import os
from collections.abc import Mapping
from pathlib import Path

HOST = "127.0.0.1"

PORTS: dict[str, tuple[str, int]] = {
    "casefile": ("CASEFILE_HTTP_PORT", 8101),
    "referral": ("REFERRAL_HTTP_PORT", 8102),
    "partner-gateway": ("PARTNER_GATEWAY_HTTP_PORT", 8103),
    "signals": ("SIGNALS_HTTP_PORT", 8104),
    "partner-simulator": ("SIM_PORT", 8190),
}
"""Service -> (the environment variable of its port, the default port)."""

PORTS_FILE_VARIABLE = "HUB_PORTS_FILE"
PORTS_FILE = Path(".hub/run/ports.env")
"""Where ``make run`` records its ports (relative to the working directory, the repository's
root); ``HUB_PORTS_FILE`` names another."""


class PortSettingError(ValueError):
    """A port variable that is not a port number; ``variable`` names it (never the value)."""

    def __init__(self, variable: str) -> None:
        super().__init__(f"{variable} must be a port number from 1 to 65535")
        self.variable = variable


def local_port(service: str, environ: Mapping[str, str] | None = None) -> int:
    """The port ``service`` (a key of :data:`PORTS`) listens on here: its variable in
    ``environ`` (default ``os.environ``) when set and not empty, else the port ``make run``
    recorded (:func:`recorded_ports`), else the default. Raises
    `PortSettingError` for a value that is not a whole number from 1 to 65535 (0, "any free
    port", is the service's own choice and no address another process can find)."""
    environ = os.environ if environ is None else environ
    variable, default = PORTS[service]
    text = environ.get(variable, "").strip() or recorded_ports(environ).get(variable, "")
    if not text:
        return default
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 65535):
        raise PortSettingError(variable)
    return int(text)


def local_url(service: str, environ: Mapping[str, str] | None = None) -> str:
    """``http://127.0.0.1:<port>`` of ``service`` (see :func:`local_port`), no trailing slash."""
    return f"http://{HOST}:{local_port(service, environ)}"


def recorded_ports(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The port variables ``make run`` recorded: ``VARIABLE=value`` lines of the file named by
    ``HUB_PORTS_FILE`` in ``environ`` (default ``os.environ``), else :data:`PORTS_FILE`; only
    the variables of :data:`PORTS`, values stripped, empty ones left out. Empty when there is no
    such file (no stack started with ``make run``, or ``make down`` ran)."""
    environ = os.environ if environ is None else environ
    path = Path(environ.get(PORTS_FILE_VARIABLE, "").strip() or PORTS_FILE)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:  # missing or unreadable: nothing recorded
        return {}
    known = {variable for variable, _ in PORTS.values()}
    recorded: dict[str, str] = {}
    for line in lines:
        name, _, value = line.partition("=")
        if name.strip() in known and value.strip():
            recorded[name.strip()] = value.strip()
    return recorded
