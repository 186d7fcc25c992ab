"""The procedure stage transition model."""

import pytest
from casefile.domain.stages import ALLOWED, check_transition
from hub_contracts.vocabulary import ProcedureStage as S


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.IN_PROCEDURE, S.FIRST_REJECTION),
        (S.FIRST_REJECTION, S.APPEAL_PENDING),
        (S.APPEAL_PENDING, S.FINAL_REJECTION),
        (S.FINAL_REJECTION, S.BUITENSCHULD_PENDING),
        (S.BUITENSCHULD_PENDING, S.BUITENSCHULD_REJECTED),
        (S.BUITENSCHULD_REJECTED, S.APPEAL_PENDING),
        (S.PERMIT_WITHDRAWN, S.APPEAL_PENDING),
    ],
)
def test_possible_moves_are_allowed(current: S, target: S) -> None:
    assert check_transition(current, target) is None


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.IN_PROCEDURE, S.FINAL_REJECTION),
        (S.IN_PROCEDURE, S.BUITENSCHULD_GRANTED),
        (S.FINAL_REJECTION, S.APPEAL_PENDING),
        (S.BUITENSCHULD_GRANTED, S.BUITENSCHULD_PENDING),
        (S.APPEAL_PENDING, S.BUITENSCHULD_PENDING),
    ],
)
def test_impossible_moves_are_refused_with_a_readable_reason(current: S, target: S) -> None:
    refusal = check_transition(current, target)
    assert refusal is not None
    assert "cannot move" in refusal.reason
    assert "possible next stages" in refusal.reason


def test_staying_put_is_refused() -> None:
    refusal = check_transition(S.APPEAL_PENDING, S.APPEAL_PENDING)
    assert refusal is not None
    assert "already" in refusal.reason


def test_every_stage_has_a_way_forward_and_no_self_loops() -> None:
    assert set(ALLOWED) == set(S)
    for stage, nexts in ALLOWED.items():
        assert nexts
        assert stage not in nexts
