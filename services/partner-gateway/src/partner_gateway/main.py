"""Process entry point: `python -m partner_gateway.main`."""

import asyncio

from hub_runtime.logs import configure_logging
from hub_runtime.service import run_until_signalled
from hub_runtime.telemetry import configure_tracing

from partner_gateway.bootstrap import NAME, runtime
from partner_gateway.config import Settings


def main() -> None:
    settings = Settings()
    configure_logging(settings.hub.log_level)
    configure_tracing(NAME)
    asyncio.run(run_until_signalled(runtime(settings)))


if __name__ == "__main__":
    main()
