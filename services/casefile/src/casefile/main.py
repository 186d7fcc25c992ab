"""Process entry point: `python -m casefile.main`."""

from hub_runtime.entry import load_settings, run_service

from casefile.bootstrap import definition
from casefile.config import Settings


def main() -> None:
    """Run casefile until SIGTERM or SIGINT (settings from the environment, see `config`)."""
    run_service(load_settings(Settings), definition)


if __name__ == "__main__":
    main()
