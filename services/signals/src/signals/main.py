"""Process entry point: ``python -m signals.main``."""

import asyncio

from hub_runtime.logs import configure_logging
from hub_runtime.service import run_until_signalled
from hub_runtime.telemetry import configure_tracing

from signals.bootstrap import runtime
from signals.config import Settings


def main() -> None:
    settings = Settings()
    configure_logging(settings.hub.log_level)
    configure_tracing("signals")
    asyncio.run(run_until_signalled(runtime(settings)))


if __name__ == "__main__":
    main()
