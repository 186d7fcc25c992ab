"""Where the services are and who the CLI is: base URLs from the environment, the bearer token.

Base URLs: ``HUB_CASEFILE_URL``, ``HUB_REFERRAL_URL``, ``HUB_GATEWAY_URL``, ``HUB_SIGNALS_URL``,
else 127.0.0.1 on the port ``make run`` gives the service (``infra/services.sh``): its
``<SERVICE>_HTTP_PORT`` variable, else the port ``make run`` recorded in ``.hub/run/ports.env``,
by default 8101-8104 (``hub_runtime.local_ports``).

The token: ``--token``, else ``HUB_TOKEN``, else, in development only (``HUB_ENV=development``),
a 5-minute token minted with the hub's shared key (``hub_runtime.auth.mint_token``) for the
role the command needs. The key is ``HUB_JWT_SECRET``, else the ``.hub/secrets.env`` that
``make run`` generates, looked for in the working directory (``HUB_SECRETS_FILE`` names
another file).

Kafka, PostgreSQL and the topic prefix (``hub status``, ``hub dead-letters``): ``HUB_*`` variables
as the services read them (``HubSettings``), else the ``.hub/stack.env`` that
``infra/stack.sh up`` writes, looked for in the working directory (``HUB_STACK_ENV_FILE`` names
another file). The dead-letter key (``HUB_DEAD_LETTER_KEY``, which opens sealed dead letters):
the environment, else ``.hub/secrets.env`` as for the token key.
"""

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from uuid import UUID

import httpx
from hub_runtime.auth import Role, mint_token
from hub_runtime.local_ports import PortSettingError, local_url
from hub_runtime.settings import HubSettings
from pydantic import SecretStr

from hub_cli.output import USAGE, CliError

SERVICES = {
    "casefile": "HUB_CASEFILE_URL",
    "referral": "HUB_REFERRAL_URL",
    "partner-gateway": "HUB_GATEWAY_URL",
    "signals": "HUB_SIGNALS_URL",
}
"""Service name -> the environment variable of its base URL."""

DEV_TOKEN_SECONDS = 300


def service_url(name: str) -> str:
    """The base URL of service ``name`` (a key of :data:`SERVICES`), without a trailing slash:
    its ``HUB_*_URL`` (`checked_url`), else the ``make run`` address on its port variable.
    Raises `CliError` ``bad_setting`` naming the variable (never its value) when the URL is
    malformed or its port is not from 1 to 65535, or when that port variable is no port
    number. Every command reads a service's address here."""
    variable = SERVICES[name]
    given = os.environ.get(variable, "").strip()
    if given:
        return checked_url(variable, given)
    try:
        return local_url(name)
    except PortSettingError as wrong:
        raise CliError("bad_setting", str(wrong)) from None


def checked_url(variable: str, given: str) -> str:
    """``given`` (the value of ``variable``) without a trailing slash, when it is an ``http://``
    or ``https://`` URL with a host, no space or control character, and a port, if it has
    one, from 1 to 65535. Otherwise `CliError` ``bad_setting``, one sentence naming
    ``variable`` and quoting nothing of ``given`` (a URL may carry a password): a malformed
    URL ended in httpx's ``InvalidURL`` traceback, a port over 65535 in an ``OverflowError``
    one (sixth trial)."""
    refused = CliError(
        "bad_setting",
        f"{variable} must be an http:// or https:// URL with a host and, if it has a port,"
        " a port from 1 to 65535",
    )
    if any(c.isspace() or not c.isprintable() for c in given):
        raise refused
    try:
        url = httpx.URL(given)
        port = urlsplit(given).port  # a port out of range or not a number: ValueError
    except (httpx.InvalidURL, ValueError):
        raise refused from None
    if url.scheme not in ("http", "https") or not url.host or port == 0:
        raise refused
    return given.rstrip("/")


DEAD_LETTER_KEY = "HUB_DEAD_LETTER_KEY"


def hub_settings() -> HubSettings:
    """The stack's settings: the environment first, then ``.hub/stack.env`` if there is one.

    The dead-letter key (``hub dead-letters`` opens sealed letters with it) comes from
    ``HUB_DEAD_LETTER_KEY`` or ``HUB_DEAD_LETTER_KEY_FILE``, else from ``.hub/secrets.env`` (or
    ``HUB_SECRETS_FILE``) where ``make run`` keeps the services' one, else ``HubSettings``'
    development default."""
    given = {DEAD_LETTER_KEY, DEAD_LETTER_KEY + "_FILE"} & {k.upper() for k in os.environ}
    from_file = None if given else _secrets_file().get(DEAD_LETTER_KEY)
    path = Path(os.environ.get("HUB_STACK_ENV_FILE", ".hub/stack.env"))
    # pydantic-settings' own dotenv source; variables in the environment still win.
    settings = HubSettings(_env_file=path) if path.is_file() else HubSettings()
    if from_file is None:
        return settings
    return settings.model_copy(update={"dead_letter_key": SecretStr(from_file)})


def _secrets_file() -> dict[str, str]:
    path = Path(os.environ.get("HUB_SECRETS_FILE", ".hub/secrets.env"))
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.removeprefix("export ").partition("=")
        if sep and key.strip() and not key.startswith("#"):
            values[key.strip()] = value.strip().strip('"')
    return values


def shared_key() -> str:
    """The hub's token signing key for development tokens: ``HUB_JWT_SECRET``, else the one in
    ``.hub/secrets.env`` (or ``HUB_SECRETS_FILE``), else ``HubSettings``' development default."""
    if "HUB_JWT_SECRET" in os.environ:
        return HubSettings().jwt_secret.get_secret_value()
    from_file = _secrets_file().get("HUB_JWT_SECRET")
    if from_file:
        return from_file
    return HubSettings().jwt_secret.get_secret_value()


def development_token(
    role: Role, sub: str, partner_id: UUID | None = None, ttl_seconds: int = DEV_TOKEN_SECONDS
) -> str:
    """A token minted with :func:`shared_key` (``hub token``, and the commands in development).

    A partner's token needs ``partner_id``: without it a :class:`CliError`
    ``partner_id_required`` with the usage exit code (2, as Click's own usage errors: the
    command line lacks an option, whatever the environment), as the services would refuse the
    token. Only with ``HUB_ENV=development`` (a :class:`CliError` ``not_development``, exit 1,
    otherwise), as ``python -m hub_runtime.auth``: in production staff tokens come from the
    identity provider."""
    if role is Role.PARTNER and partner_id is None:
        raise CliError("partner_id_required", "a partner token needs --partner-id", exit_code=USAGE)
    if os.environ.get("HUB_ENV") != "development":
        raise CliError(
            "not_development",
            "development tokens are minted only with HUB_ENV=development; in production use a"
            " token from the identity provider (--token or HUB_TOKEN)",
        )
    return mint_token(
        shared_key(), sub=sub, role=role, partner_id=partner_id, ttl_seconds=ttl_seconds
    )


@dataclass(frozen=True)
class Identity:
    """Who the CLI acts as: an explicit bearer token, or none (then minted in development)."""

    token: str | None = None

    def bearer(self, role: Role) -> str:
        """The bearer token for a request that needs ``role``.

        The given token (``--token``/``HUB_TOKEN``) as is: the service decides whether its role
        may act. Without one, a development token for ``role`` (sub ``hub-cli``) when
        ``HUB_ENV=development``; otherwise a :class:`CliError` ``no_token``."""
        if self.token:
            return self.token
        if os.environ.get("HUB_ENV") != "development":
            raise CliError(
                "no_token",
                "no bearer token: pass --token or set HUB_TOKEN (tokens are minted from the"
                " shared key only in development, HUB_ENV=development)",
            )
        return development_token(role, "hub-cli")
