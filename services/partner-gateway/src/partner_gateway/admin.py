"""The gateway's admin requests, and the old CLI ``python -m partner_gateway.admin`` over them.

The operators' command is ``hub partners ...`` / ``hub gateway ...`` (tools/hub-cli): it builds
its requests with the functions below (:func:`webhook`, :func:`create_client`, ...), so the
routes are named in one place. This module's CLI stays as an alias: commands print the API's
JSON answer; the exit code is 0 on 2xx, 1 otherwise. The bearer token is ``--token`` or
``$PARTNER_GATEWAY_ADMIN_TOKEN``; without either, a short-lived admin token is minted from
``HUB_JWT_SECRET`` (a development convenience).
"""

import argparse
import getpass
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NoReturn

import httpx
from hub_runtime.auth import Role, mint_token
from hub_runtime.settings import HubSettings

from partner_gateway.domain.delivery import DELIVERY_STATES


class _Parser(argparse.ArgumentParser):
    """argparse's parser whose usage errors quote nothing typed: its own sentences repeat the
    arguments ("unrecognized arguments: ..."), which may be a URL with a secret in it."""

    def error(self, message: str) -> NoReturn:
        """Exit 2 with the usage and a closed sentence (``message`` is argparse's)."""
        del message
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: the arguments do not fit this usage (see --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m partner_gateway.admin")
    parser.add_argument("--gateway-url", default="http://127.0.0.1:8103")
    parser.add_argument("--token", default=None)
    commands = parser.add_subparsers(dest="command", required=True)

    webhook = commands.add_parser(
        "webhook",
        help="register or rotate a partner's webhook; the URL is read from standard input (asked"
        " for without echo on a terminal), never an argument: its query may hold a secret",
    )
    webhook.add_argument("partner_id")

    credentials = commands.add_parser("credentials", help="partner API clients")
    actions = credentials.add_subparsers(dest="action", required=True)
    actions.add_parser("create", help="a new client for a partner").add_argument("partner_id")
    actions.add_parser("list", help="a partner's clients").add_argument("partner_id")
    actions.add_parser("rotate", help="new secret, old one valid for the overlap").add_argument(
        "client_id"
    )
    actions.add_parser("revoke", help="revoke a client at once").add_argument("client_id")

    deliveries = commands.add_parser("deliveries", help="the delivery log")
    deliveries.add_argument("--partner-id", default=None)
    deliveries.add_argument("--state", choices=DELIVERY_STATES, default=None)

    notices = commands.add_parser("notices", help="withdrawal and erasure notices")
    notices.add_argument("--overdue", action="store_true")
    return parser


@dataclass(frozen=True)
class AdminRequest:
    """One request to the gateway's admin API (role admin): method, path, JSON body, query."""

    method: str
    path: str
    body: dict[str, object] | None = None
    query: dict[str, str] = field(default_factory=dict)


def webhook(partner_id: str, url: str) -> AdminRequest:
    """Register or rotate the partner's webhook (answer: the new signing secret, 409 while the
    gateway has not yet learnt of the partner from referral's events)."""
    return AdminRequest("PUT", f"/admin/partners/{partner_id}/webhook", {"url": url})


def create_client(partner_id: str) -> AdminRequest:
    """A new API client for the partner (answer 201: ``client_id``, ``client_secret`` once)."""
    return AdminRequest("POST", f"/admin/partners/{partner_id}/credentials")


def list_clients(partner_id: str) -> AdminRequest:
    """The partner's API clients (``items``; never a secret)."""
    return AdminRequest("GET", f"/admin/partners/{partner_id}/credentials")


def rotate_client(client_id: str) -> AdminRequest:
    """A new secret for the client; the old one stays valid for the overlap."""
    return AdminRequest("POST", f"/admin/credentials/{client_id}/rotate")


def revoke_client(client_id: str) -> AdminRequest:
    """Revoke the client and all its secrets at once."""
    return AdminRequest("POST", f"/admin/credentials/{client_id}/revoke")


def deliveries(partner_id: str | None = None, state: str | None = None) -> AdminRequest:
    """The delivery log, optionally of one partner and one state (``DELIVERY_STATES``)."""
    query = {k: v for k, v in (("partner_id", partner_id), ("state", state)) if v}
    return AdminRequest("GET", "/admin/deliveries", query=query)


def notices(overdue: bool = False) -> AdminRequest:
    """Withdrawal and erasure notices; only the overdue ones with ``overdue``."""
    return AdminRequest("GET", "/admin/notices", query={"overdue": "true" if overdue else "false"})


def read_url() -> str:
    """The webhook URL, one line of standard input (asked for without echo on a terminal),
    stripped. Raises SystemExit (exit 1, a sentence that quotes nothing) when it is empty.

    Never an argument (the ninth new user's trial): shell history and process listings keep
    those, and a webhook URL's query may hold the partner's secret."""
    if sys.stdin.isatty():
        text = getpass.getpass("Webhook URL (not shown): ")
    else:
        text = sys.stdin.readline(_MAX_URL_READ)
    url = text.strip()
    if not url:
        raise SystemExit("error missing_url: no webhook URL was given on standard input")
    return url


_MAX_URL_READ = 65_536  # characters; the gateway takes 2,048


def _request(args: argparse.Namespace) -> AdminRequest:
    if args.command == "webhook":
        return webhook(args.partner_id, read_url())
    if args.command == "credentials":
        if args.action == "create":
            return create_client(args.partner_id)
        if args.action == "list":
            return list_clients(args.partner_id)
        if args.action == "rotate":
            return rotate_client(args.client_id)
        return revoke_client(args.client_id)
    if args.command == "deliveries":
        return deliveries(args.partner_id, args.state)
    return notices(args.overdue)


def _token(args: argparse.Namespace) -> str:
    given = args.token or os.environ.get("PARTNER_GATEWAY_ADMIN_TOKEN")
    if given:
        return str(given)
    secret = HubSettings().jwt_secret.get_secret_value()
    return mint_token(secret, sub="partner-gateway-cli", role=Role.ADMIN, ttl_seconds=300)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m partner_gateway.admin``: one admin request to the gateway, the JSON answer
    printed.

    ``argv`` defaults to ``sys.argv[1:]``. The token comes from ``--token``, else
    ``PARTNER_GATEWAY_ADMIN_TOKEN``, else a 5-minute admin token minted with the hub's secret.
    Returns the exit status: 0 for a 2xx answer, 1 otherwise; ``httpx.HTTPError`` propagates when
    the gateway cannot be reached."""
    args = _parser().parse_args(argv)
    request = _request(args)
    headers = {"authorization": f"Bearer {_token(args)}"}
    with httpx.Client(base_url=args.gateway_url, timeout=30) as client:
        response = client.request(
            request.method, request.path, json=request.body, params=request.query, headers=headers
        )
    try:
        print(json.dumps(response.json(), indent=2))
    except ValueError:
        print(response.text)
    return 0 if response.is_success else 1


if __name__ == "__main__":
    sys.exit(main())
