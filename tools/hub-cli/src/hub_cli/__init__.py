"""``hub``: the operators' command line of the council hub (Typer and Rich).

Every command prints a Rich table for people and, with ``--json``, one JSON document with
stable keys on stdout for scripts. Errors go to stderr as ``code: detail`` (or, with ``--json``,
``{"error", "detail", "reasons", "status"}``) with a non-zero exit code (see :mod:`hub_cli.output`).
"""
