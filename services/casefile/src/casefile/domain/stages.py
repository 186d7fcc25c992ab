"""The procedure stage transition model: which moves are possible, and why others are not."""

from dataclasses import dataclass

from hub_contracts.vocabulary import ProcedureStage as S

# Possible next stages. Anything else is refused with a reason a counsellor can read.
ALLOWED: dict[S, frozenset[S]] = {
    S.IN_PROCEDURE: frozenset({S.FIRST_REJECTION}),
    S.FIRST_REJECTION: frozenset({S.APPEAL_PENDING, S.FINAL_REJECTION}),
    # The court either confirms the rejection or sends the claim back to the IND.
    S.APPEAL_PENDING: frozenset({S.FINAL_REJECTION, S.IN_PROCEDURE}),
    # After a final rejection: a buitenschuld application or a subsequent asylum application.
    S.FINAL_REJECTION: frozenset({S.BUITENSCHULD_PENDING, S.IN_PROCEDURE}),
    S.PERMIT_WITHDRAWN: frozenset({S.APPEAL_PENDING, S.FINAL_REJECTION, S.BUITENSCHULD_PENDING}),
    S.BUITENSCHULD_PENDING: frozenset({S.BUITENSCHULD_GRANTED, S.BUITENSCHULD_REJECTED}),
    S.BUITENSCHULD_REJECTED: frozenset({S.APPEAL_PENDING, S.BUITENSCHULD_PENDING, S.IN_PROCEDURE}),
    S.BUITENSCHULD_GRANTED: frozenset({S.PERMIT_WITHDRAWN}),
}

_LABELS: dict[S, str] = {
    S.IN_PROCEDURE: "in procedure",
    S.FIRST_REJECTION: "first rejection",
    S.APPEAL_PENDING: "appeal pending",
    S.FINAL_REJECTION: "final rejection",
    S.PERMIT_WITHDRAWN: "permit withdrawn",
    S.BUITENSCHULD_PENDING: "buitenschuld application pending",
    S.BUITENSCHULD_GRANTED: "buitenschuld permit granted",
    S.BUITENSCHULD_REJECTED: "buitenschuld application rejected",
}


@dataclass(frozen=True)
class Refusal:
    """Why a stage change is refused: a sentence for the counsellor naming the stages, never
    personal data (the handler raises it as ``ImpossibleTransitionError``, 409)."""

    reason: str


def label(stage: S) -> str:
    """The stage's human label (e.g. ``buitenschuld application pending``), as used in refusals."""
    return _LABELS[stage]


def check_transition(current: S, target: S) -> Refusal | None:
    """None when the move is possible, else a readable refusal."""
    if current is target:
        return Refusal(f"the case is already at stage '{label(target)}'")
    allowed = ALLOWED[current]
    if target in allowed:
        return None
    options = ", ".join(f"'{label(s)}'" for s in sorted(allowed, key=list(S).index))
    return Refusal(
        f"a case at stage '{label(current)}' cannot move to '{label(target)}'"
        f" (possible next stages: {options})"
    )
