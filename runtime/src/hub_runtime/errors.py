"""Errors the shared machinery understands."""


class PermanentEventError(Exception):
    """An event that can never be applied (retrying will not help): it goes to the dead letters.

    The message must be readable by a person and must not contain personal data.
    """


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OSError, TimeoutError, ConnectionError)
"""Infrastructure failures: retried without limit, never dead-lettered (the event is fine)."""
