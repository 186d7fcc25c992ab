"""The event the runtime's tests write again and again: one valid ``CaseOpened``.

Test modules import it as ``from ._events import case_opened``; the child scripts
(``commit_then_die.py``, ...) as ``from _events import case_opened`` (they run as scripts, with
this folder on their path).
"""

import uuid

from hub_contracts import CaseOpened


def case_opened(case_id: uuid.UUID | None = None) -> CaseOpened:
    """A valid ``CaseOpened`` of ``case_id`` (a new random one when None); every other value
    is the same each time."""
    return CaseOpened(
        case_id=case_id or uuid.uuid4(),
        country_of_origin="ER",
        region="west",
        household_size=1,
        has_minors=False,
        vulnerabilities=[],
        location_type="azc",
        stage="final_rejection",
    )
