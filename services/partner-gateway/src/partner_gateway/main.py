"""Process entry point: `python -m partner_gateway.main` (settings: ``PARTNER_GATEWAY_*``,
``HUB_*``)."""

from hub_runtime.entry import load_settings, run_service

from partner_gateway.bootstrap import definition
from partner_gateway.config import Settings


def main() -> None:
    """Run the gateway (HTTP edge, consumer, outbox relay, delivery worker) until SIGTERM."""
    run_service(load_settings(Settings), definition)


if __name__ == "__main__":
    main()
