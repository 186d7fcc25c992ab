"""``hub keys steps|rotate|reindex``: the hub's key rotations, as far as code can do them.

What code can do is step 3 of a master-key rotation (re-wrap every stored key under the new
version; ``casefile.rotate`` / ``referral.rotate``, here with a progress bar and ``--json``)
and the blind index after a new ``CASEFILE_INDEX_KEY`` (``casefile.reindex``). The other steps
are a deployment's: set a variable on every instance, restart one by one. ``hub keys steps``
prints them in order for each key (the README's "Deployment" section, in one place).

``rotate`` and ``reindex`` run in this process with the SERVICE's settings, read from the
environment as the service reads them (``CASEFILE_*`` or ``REFERRAL_*``, ``HUB_PG_DSN``,
``*_FILE`` files): run them where the service's secrets are. Outside development mode they
refuse weak or default secrets as the service does (exit 1, ``insecure_settings``).
"""

import asyncio
from collections.abc import Callable, Coroutine
from enum import StrEnum
from typing import Annotated, Any

import typer
from hub_runtime.crypto import UnknownKekVersionError
from hub_runtime.entry import production_problems
from hub_runtime.secrets import SecretFileError
from pydantic import ValidationError
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from hub_cli import output
from hub_cli.context import JSON_HELP
from hub_cli.key_steps import STEPS
from hub_cli.output import CliError, handles_errors

app = typer.Typer(help="Keys: the rotation steps, re-wrapping stored keys, the blind index.")
JsonFlag = Annotated[bool, typer.Option("--json", help=JSON_HELP)]


class Vault(StrEnum):
    """A service that keeps per-person (per-case) keys wrapped under a master key."""

    CASEFILE = "casefile"
    REFERRAL = "referral"
    PARTNER_GATEWAY = "partner-gateway"  # the portal staff's TOTP secrets


class KeyName(StrEnum):
    """A key whose rotation `hub keys steps` explains."""

    TOKEN = "token"  # noqa: S105 (the name of a key, not a secret)
    CASEFILE = "casefile"
    REFERRAL = "referral"
    PARTNER_GATEWAY = "partner-gateway"
    INDEX = "index"


@app.command()
@handles_errors()
def steps(
    key: Annotated[
        KeyName, typer.Argument(help="token, casefile, referral, partner-gateway or index.")
    ],
    as_json: JsonFlag = False,
) -> None:
    """The steps of rotating KEY without downtime, in order (which ones `hub` runs).

    JSON: {"key", "steps": [{"step", "do", "command"}]}."""
    listed = [
        {"step": n, "do": do, "command": command}
        for n, (do, command) in enumerate(STEPS[key.value], 1)
    ]
    if as_json:
        output.emit_json({"key": key.value, "steps": listed})
        return
    output.table(
        f"rotating the {key.value} key",
        ["step", "do", "command"],
        [(s["step"], s["do"], s["command"] or "") for s in listed],
    )


def _settings(vault: Vault) -> Any:
    """The service's settings from the environment; CliError when invalid or insecure."""
    try:
        if vault is Vault.CASEFILE:
            from casefile.config import Settings as CasefileSettings

            settings: Any = CasefileSettings()
        elif vault is Vault.PARTNER_GATEWAY:
            from partner_gateway.config import Settings as GatewaySettings

            settings = GatewaySettings()
        else:
            from referral.config import Settings as ReferralSettings

            settings = ReferralSettings()
    except (ValidationError, SecretFileError) as exc:
        raise CliError("invalid_settings", f"{vault.value}'s settings: {exc}") from exc
    problems = production_problems(settings)
    if problems:
        raise CliError("insecure_settings", f"{vault.value} refuses them", reasons=problems)
    return settings


def _with_progress(
    label: str, as_json: bool, work: Callable[[Callable[[int], None]], Coroutine[Any, Any, Any]]
) -> Any:
    """Run ``work(advance)`` with a progress line on stderr (none with --json)."""
    columns = (SpinnerColumn(), TextColumn("{task.description}: {task.completed}"))
    stderr = Console(stderr=True)
    with Progress(*columns, TimeElapsedColumn(), console=stderr, disable=as_json) as bar:
        task = bar.add_task(label, total=None)
        return asyncio.run(work(lambda n: bar.advance(task, n)))


@app.command()
@handles_errors()
def rotate(
    service: Annotated[Vault, typer.Argument(help="casefile, referral or partner-gateway.")],
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="Keys per transaction.")] = 200,
    as_json: JsonFlag = False,
) -> None:
    """Step 3 of a master-key rotation: re-wrap every stored key under the current version
    (what `python -m casefile.rotate` / `referral.rotate` / `partner_gateway.rotate` do: the
    gateway's are the portal staff's sealed TOTP secrets), with a progress line. Run it
    with the service's step-2 settings. Exit 0 when every key is under the current version,
    1 when a key is under a version the settings do not hold (give the previous master key).

    JSON: {"service", "current_version", "rewrapped", "keys_by_version", "done"}."""
    settings = _settings(service)
    from casefile.rotate import rotate as casefile_rotate
    from partner_gateway.rotate import rotate as gateway_rotate
    from referral.rotate import rotate as referral_rotate

    # Settings are typed Any here: each service's rotate takes its own settings class.
    runs: dict[Vault, Callable[..., Coroutine[Any, Any, dict[int, int]]]] = {
        Vault.CASEFILE: casefile_rotate,
        Vault.REFERRAL: referral_rotate,
        Vault.PARTNER_GATEWAY: gateway_rotate,
    }
    run = runs[service]
    rewrapped = 0

    async def work(advance: Callable[[int], None]) -> dict[int, int]:
        def counted(n: int) -> None:
            nonlocal rewrapped
            rewrapped += n
            advance(n)

        return await run(settings, batch, counted)

    previous = f"{service.value.upper().replace('-', '_')}_PREVIOUS_MASTER_KEY"
    try:
        counts = _with_progress("keys re-wrapped", as_json, work)
    except UnknownKekVersionError as exc:
        raise CliError("key_version_unknown", f"{exc} (set {previous})") from exc
    except OSError as exc:
        raise CliError(
            "unreachable",
            f"PostgreSQL did not answer ({type(exc).__name__})",
            exit_code=output.UNREACHABLE,
        ) from exc
    current = settings.master_key_version
    answer = {
        "service": service.value,
        "current_version": current,
        "rewrapped": rewrapped,
        "keys_by_version": {str(v): n for v, n in sorted(counts.items())},
        "done": set(counts) <= {current},
    }
    if as_json:
        output.emit_json(answer)
    else:
        output.fields(f"{service.value}: keys by master-key version", answer)
    if not answer["done"]:
        raise CliError("keys_left_behind", f"keys are still under another version than {current}")


@app.command()
@handles_errors()
def reindex(
    missing: Annotated[
        bool, typer.Option("--missing", help="Only open cases without a blind index.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """After a new CASEFILE_INDEX_KEY: compute the blind index of every open case anew (what
    `python -m casefile.reindex` does). Exit 1 when two open cases hold the same person (their
    ids are listed; the second stays without an index).

    JSON: {"indexed", "same_person": [{"case_id", "same_person_as"}]}."""
    settings = _settings(Vault.CASEFILE)
    from casefile.reindex import reindex as run

    try:
        indexed, known = asyncio.run(run(settings, every=not missing))
    except OSError as exc:
        raise CliError(
            "unreachable",
            f"PostgreSQL did not answer ({type(exc).__name__})",
            exit_code=output.UNREACHABLE,
        ) from exc
    pairs = [{"case_id": str(c), "same_person_as": str(h)} for c, h in known]
    answer = {"indexed": indexed, "same_person": pairs}
    if as_json:
        output.emit_json(answer)
    else:
        output.fields("casefile: blind index", answer)
    if pairs:
        raise CliError("same_person_twice", f"{len(pairs)} open cases hold another's person")
