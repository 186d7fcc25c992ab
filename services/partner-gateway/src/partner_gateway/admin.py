"""The admin CLI: ``python -m partner_gateway.admin <command> ...`` (talks to the admin API).

Commands print the API's JSON answer; the exit code is 0 on 2xx, 1 otherwise. The bearer
token is ``--token`` or ``$PARTNER_GATEWAY_ADMIN_TOKEN``; without either, a short-lived
admin token is minted from ``HUB_JWT_SECRET`` (a development convenience).
"""

import argparse
import json
import os
import sys
from collections.abc import Sequence

import httpx
from hub_runtime.auth import Role, mint_token
from hub_runtime.settings import HubSettings

from partner_gateway.domain.delivery import DELIVERY_STATES


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m partner_gateway.admin")
    parser.add_argument("--gateway-url", default="http://127.0.0.1:8103")
    parser.add_argument("--token", default=None)
    commands = parser.add_subparsers(dest="command", required=True)

    webhook = commands.add_parser("webhook", help="register or rotate a partner's webhook")
    webhook.add_argument("partner_id")
    webhook.add_argument("url")

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


def _request(args: argparse.Namespace) -> tuple[str, str, dict[str, object] | None, dict[str, str]]:
    """(method, path, json body, query) for the parsed command."""
    if args.command == "webhook":
        return "PUT", f"/admin/partners/{args.partner_id}/webhook", {"url": args.url}, {}
    if args.command == "credentials":
        if args.action == "create":
            return "POST", f"/admin/partners/{args.partner_id}/credentials", None, {}
        if args.action == "list":
            return "GET", f"/admin/partners/{args.partner_id}/credentials", None, {}
        return "POST", f"/admin/credentials/{args.client_id}/{args.action}", None, {}
    if args.command == "deliveries":
        query = {k: v for k, v in (("partner_id", args.partner_id), ("state", args.state)) if v}
        return "GET", "/admin/deliveries", None, query
    return "GET", "/admin/notices", None, {"overdue": "true" if args.overdue else "false"}


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
    method, path, body, query = _request(args)
    headers = {"authorization": f"Bearer {_token(args)}"}
    with httpx.Client(base_url=args.gateway_url, timeout=30) as client:
        response = client.request(method, path, json=body, params=query, headers=headers)
    try:
        print(json.dumps(response.json(), indent=2))
    except ValueError:
        print(response.text)
    return 0 if response.is_success else 1


if __name__ == "__main__":
    sys.exit(main())
