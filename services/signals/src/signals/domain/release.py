"""From protected tables to the published contract (``SignalsPublished.v2``)."""

from __future__ import annotations

from typing import Literal

from hub_contracts import PublicationMethod, SignalCell, SignalsPublishedV2

from signals.domain.disclosure import ProtectedTable


def to_event(
    period: str,
    table: ProtectedTable,
    *,
    k: int,
    base: int,
    epsilon: float | None,
) -> SignalsPublishedV2:
    """The ``SignalsPublished.v2`` payload of one protected table of ``period``; ``k`` and
    ``base`` are the threshold and rounding used, ``epsilon`` the noise spent (None: none)."""
    noise: Literal["none", "laplace"] = "none" if epsilon is None else "laplace"
    cells = [
        SignalCell(
            coordinates=dict(zip(table.dimensions, key, strict=True)),
            count=value,
            suppressed=value is None,
        )
        for key, value in sorted(table.entries.items())
    ]
    return SignalsPublishedV2(
        period=period,
        table=table.name,
        dimensions=list(table.dimensions),
        cells=cells,
        method=PublicationMethod(
            k_threshold=k, rounding_base=base, noise=noise, epsilon_spent=epsilon
        ),
    )
