"""Process entry point: `python -m casefile.main`."""

import asyncio

from hub_runtime.logs import configure_logging
from hub_runtime.service import run_until_signalled
from hub_runtime.telemetry import configure_tracing

from casefile.bootstrap import runtime
from casefile.config import Settings


def main() -> None:
    settings = Settings()
    configure_logging(settings.hub.log_level)
    configure_tracing("casefile")
    asyncio.run(run_until_signalled(runtime(settings)))


if __name__ == "__main__":
    main()
