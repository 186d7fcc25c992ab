"""``hub partners ...``: the directory (referral) and partners' webhooks and API clients (gateway).

Directory entries go through referral's ``/partners`` (admin); webhooks and API clients through
the gateway's admin API, with the requests ``partner_gateway.admin`` builds (one place names
those routes). A new partner reaches the gateway through Kafka: ``webhook`` and ``issue`` answer
409 ``unknown_partner`` until it has (retry).
"""

import sys
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import typer
from hub_contracts.vocabulary import PartnerType
from hub_runtime.auth import Role
from hub_runtime.redaction import redact_url
from hub_runtime.strict_json import has_unpaired_surrogate
from partner_gateway import admin as gateway_admin
from partner_gateway.domain.webhook_url import MAX_LENGTH
from pydantic import AnyHttpUrl, TypeAdapter, ValidationError

from hub_cli import files, output
from hub_cli.context import JSON_HELP, identity
from hub_cli.http import call
from hub_cli.ids import client_id_argument, id_argument
from hub_cli.output import CliError, handles_errors

app = typer.Typer(help="Partners: the directory, their webhooks and API clients.")
JsonFlag = Annotated[bool, typer.Option("--json", help=JSON_HELP)]
PartnerId = Annotated[UUID, id_argument("The partner's id (see `hub partners list`).")]
ClientId = Annotated[
    str, client_id_argument("The API client's id, e.g. pc_0123456789abcdef (see `clients`).")
]


def _gateway(ctx: typer.Context, request: gateway_admin.AdminRequest) -> Any:
    return call(
        identity(ctx),
        "partner-gateway",
        request.method,
        request.path,
        role=Role.ADMIN,
        body=request.body,
        query=request.query,
    )


@app.command("list")
@handles_errors()
def list_partners(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """The partner directory (JSON: {"items": [PartnerOut...]})."""
    partners = call(identity(ctx), "referral", "GET", "/partners", role=Role.ADMIN)
    if as_json:
        output.emit_json({"items": partners})
        return
    output.table(
        "partners",
        ["partner_id", "name", "type", "countries", "active", "may receive data"],
        [
            (
                p["partner_id"],
                p["name"],
                p["partner_type"],
                " ".join(p["countries"]),
                p["active"],
                p["may_receive_data"],
            )
            for p in partners
        ],
    )


def _registration(
    file: Path | None,
    name: str | None,
    partner_type: str | None,
    countries: list[str],
    purposes: list[str],
    services: list[str],
    agreement: tuple[str | None, str | None, str | None],
) -> dict[str, Any]:
    if file is not None:
        return files.read_json_object(file, "RegisterPartner")
    if not (name and partner_type and countries and purposes):
        raise CliError(
            "missing_option",
            "give --file, or --name, --type, at least one --country and one --purpose",
        )
    reference, valid_from, valid_until = agreement
    body = {
        "name": name,
        "partner_type": partner_type,
        "countries": countries,
        "purposes": purposes,
        "services": services,
        "agreement_reference": reference,
        "agreement_valid_from": valid_from,
        "agreement_valid_until": valid_until,
    }
    return {k: v for k, v in body.items() if v is not None}


_TYPE_HELP = "One of: " + ", ".join(kind.value for kind in PartnerType) + "."
"""The partner types the gateway takes, from the contract itself (an example that was no type
misled the eleventh new user)."""


@app.command()
@handles_errors()
def register(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Option(help="A RegisterPartner JSON body (instead of the options).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="The organisation's name.")] = None,
    partner_type: Annotated[str | None, typer.Option("--type", help=_TYPE_HELP)] = None,
    country: Annotated[list[str] | None, typer.Option(help="ISO 3166-1 alpha-2; repeat.")] = None,
    purpose: Annotated[list[str] | None, typer.Option(help="A purpose code; repeat.")] = None,
    service: Annotated[list[str] | None, typer.Option(help="A service offered; repeat.")] = None,
    agreement_reference: Annotated[str | None, typer.Option()] = None,
    agreement_valid_from: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    agreement_valid_until: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add an organisation to the directory (referral validates it; JSON: PartnerOut)."""
    body = _registration(
        file,
        name,
        partner_type,
        country or [],
        purpose or [],
        service or [],
        (agreement_reference, agreement_valid_from, agreement_valid_until),
    )
    created = call(identity(ctx), "referral", "POST", "/partners", role=Role.ADMIN, body=body)
    if as_json:
        output.emit_json(created)
    else:
        output.fields("registered", created)


UrlFile = Annotated[
    Path | None,
    typer.Option(
        "--url-file",
        help="Read the webhook URL from this file ('-': standard input) instead of asking.",
    ),
]

MISSING_URL = "missing_url"
"""The error code of a webhook URL that was not given (an empty line, prompt or file)."""

BAD_URL = "bad_url"
"""The error code of a webhook URL given on more than one line."""

TOO_LONG = "webhook_url_too_long"
"""The error code of a webhook URL longer than the gateway registers (the gateway's own code)."""

_MAX_URL_READ = 65_536
"""The most bytes read from --url-file or standard input (the gateway takes
2,048 characters): a file or stream named by mistake (``/dev/zero``) is not read whole, and
more than this is refused, never cut to a shorter URL."""

_GATEWAY_URL: TypeAdapter[AnyHttpUrl] = TypeAdapter(AnyHttpUrl)
"""The URL type the gateway reads the URL with (``WebhookRegistration.url``): its length limit
applies to that type's rewriting (host in IDNA, the rest percent-encoded)."""


def _terminal() -> bool:
    """True when standard input is a terminal (someone to ask), False for a pipe or a file."""
    return sys.stdin.isatty()


def _webhook_url(url_file: Path | None) -> str:
    """The webhook URL: ``url_file``'s (``-``: standard input), else asked without echo on a
    terminal, else standard input's. Raises `CliError` ``bad_file`` (`files.unreadable`;
    a file larger than `_MAX_URL_READ` bytes too), ``missing_url`` when empty, ``bad_url`` on
    several lines, ``webhook_url_too_long`` (`_check_length`); no sentence quotes the URL."""
    if url_file is not None and str(url_file) != "-":
        text = files.read_text(url_file, _MAX_URL_READ)
    elif url_file is None and _terminal():
        text = typer.prompt(
            "Webhook URL (not shown)", hide_input=True, default="", show_default=False, err=True
        )
    else:
        text = _standard_input()
    if has_unpaired_surrogate(text):  # bytes that are not UTF-8 typed at the prompt
        raise CliError(BAD_URL, "the webhook URL is not UTF-8 text")
    url = text.strip()
    if not url:
        raise CliError(
            MISSING_URL,
            "no webhook URL was given: type it when asked, or give it on standard input or in"
            " a file (--url-file)",
        )
    if "\n" in url or "\r" in url:
        raise CliError(BAD_URL, "the webhook URL must be given on one line")
    _check_length(url)
    return url


def _standard_input() -> str:
    """Standard input as UTF-8, read as bytes: Python's text stream would hand bytes that are
    not UTF-8 on as lone surrogates, which no request can carry (the eleventh trial's
    traceback). Raises ``webhook_url_too_long`` over `_MAX_URL_READ` bytes, ``bad_file``
    ("is not UTF-8 text")."""
    raw = sys.stdin.buffer.read(_MAX_URL_READ + 1)
    if len(raw) > _MAX_URL_READ:
        raise _too_long()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise files.unreadable("is not UTF-8 text") from None


def _too_long() -> CliError:
    # The gateway's code and sentence (`partner_gateway.domain.webhook_url.check_form`).
    return CliError(TOO_LONG, f"a webhook URL has at most {MAX_LENGTH} characters")


def _check_length(url: str) -> None:
    """Refuse (``webhook_url_too_long``) before any request a URL the gateway would refuse as
    longer than `MAX_LENGTH` characters once read by its URL type, rather than let a long one
    become the gateway's ``payload_too_large`` (its body limit, 16 KiB). A URL that type does
    not take is judged as written: the gateway refuses it either way."""
    try:
        length = len(str(_GATEWAY_URL.validate_python(url)))
    except ValidationError:
        length = len(url)
    if length > MAX_LENGTH:
        raise _too_long()


def shown_url(url: str) -> str:
    """``url`` for a person to read, as the hub's logs show it
    (`hub_runtime.redaction.redact_url`): each query value (a partner's token, its secret)
    shown as ``REDACTED``, a query part without ``=`` masked whole, the keys kept
    (``?api_key=REDACTED``); an unparseable URL masked whole. For the human-readable output
    only: ``--json`` keeps the API's answer."""
    return redact_url(url)


@app.command()
@handles_errors()
def webhook(
    ctx: typer.Context, partner_id: PartnerId, url_file: UrlFile = None, as_json: JsonFlag = False
) -> None:
    """Register or rotate a partner's webhook; prints the new signing secret once
    (JSON: WebhookRegistered).

    The URL is never an argument (shell history and process listings keep those, and its query
    may hold the partner's secret): it is asked for without echo on a terminal, read from
    standard input when that is a pipe, or from --url-file ('-': standard input). The table
    shows it with its query values masked (`shown_url`); --json is the API's answer, URL
    included, for scripts."""
    url = _webhook_url(url_file)
    done = _gateway(ctx, gateway_admin.webhook(str(partner_id), url))
    if as_json:
        output.emit_json(done)
        return
    shown = dict(done)
    if isinstance(shown.get("url"), str):
        shown["url"] = shown_url(shown["url"])
    output.fields("webhook", shown)


@app.command()
@handles_errors()
def issue(ctx: typer.Context, partner_id: PartnerId, as_json: JsonFlag = False) -> None:
    """A new API client for the partner; prints its secret once (JSON: ClientCreated)."""
    created = _gateway(ctx, gateway_admin.create_client(str(partner_id)))
    output.emit_json(created) if as_json else output.fields("new API client", created)


@app.command()
@handles_errors()
def clients(ctx: typer.Context, partner_id: PartnerId, as_json: JsonFlag = False) -> None:
    """A partner's API clients, never a secret (JSON: {"items": [...]})."""
    listed = _gateway(ctx, gateway_admin.list_clients(str(partner_id)))
    if as_json:
        output.emit_json(listed)
        return
    items = listed["items"]
    columns = list(items[0]) if items else ["client_id"]
    output.table("API clients", columns, [[c.get(k) for k in columns] for c in items])


@app.command()
@handles_errors()
def rotate(ctx: typer.Context, client_id: ClientId, as_json: JsonFlag = False) -> None:
    """A new secret for an API client; the old one works for the overlap (JSON: ClientCreated
    with previous_secret_valid_until)."""
    rotated = _gateway(ctx, gateway_admin.rotate_client(client_id))
    output.emit_json(rotated) if as_json else output.fields("rotated", rotated)


@app.command()
@handles_errors()
def revoke(ctx: typer.Context, client_id: ClientId, as_json: JsonFlag = False) -> None:
    """Revoke an API client and all its secrets at once (JSON: {"client_id", "status"})."""
    revoked = _gateway(ctx, gateway_admin.revoke_client(client_id))
    output.emit_json(revoked) if as_json else output.fields("revoked", revoked)
