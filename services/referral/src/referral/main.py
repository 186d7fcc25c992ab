"""Process entry point: `python -m referral.main`."""

from hub_runtime.entry import load_settings, run_service

from referral.bootstrap import definition
from referral.config import Settings


def main() -> None:
    """Run the referral service until SIGTERM or SIGINT (settings from the environment)."""
    run_service(load_settings(Settings), definition)


if __name__ == "__main__":
    main()
