"""``python -m hub_cli``: the same as the ``hub`` console script."""

from hub_cli.app import main

main()
