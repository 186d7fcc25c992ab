"""Process entry point: ``python -m signals.main`` (HTTP edge, consumer, relay, publisher)."""

from hub_runtime.entry import load_settings, run_service

from signals.bootstrap import definition
from signals.config import Settings


def main() -> None:
    """Run signals until SIGTERM or SIGINT, configured from ``SIGNALS_*`` variables."""
    run_service(load_settings(Settings), definition)


if __name__ == "__main__":
    main()
