"""Run the simulator: ``python -m partner_gateway.simulator --webhook-secret whsec_...``."""

import argparse
import asyncio
import contextlib

from hub_runtime.logs import configure_logging

from partner_gateway.simulator.app import Mode, build_simulator


def main() -> None:
    parser = argparse.ArgumentParser(description="A simulated partner organisation")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8190)
    parser.add_argument("--gateway-url", default="http://127.0.0.1:8103")
    parser.add_argument("--webhook-secret", help="whsec_... from PUT /admin/partners/{id}/webhook")
    parser.add_argument("--token", help="a partner bearer token")
    parser.add_argument("--client-id", help="partner API client id (instead of --token)")
    parser.add_argument("--client-secret", help="partner API client secret")
    parser.add_argument("--mode", choices=[m.value for m in Mode], default=Mode.UP.value)
    parser.add_argument("--slow-seconds", type=float, default=2.0)
    args = parser.parse_args()
    configure_logging()
    sim = build_simulator(
        gateway_url=args.gateway_url,
        partner_token=args.token,
        client_id=args.client_id,
        client_secret=args.client_secret,
        webhook_secret=args.webhook_secret,
    )
    sim.mode = Mode(args.mode)
    sim.slow_seconds = args.slow_seconds

    async def run() -> None:
        await sim.start(args.host, args.port)
        print(f"partner simulator listening: webhooks at {sim.webhook_url}", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await sim.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


if __name__ == "__main__":
    main()
