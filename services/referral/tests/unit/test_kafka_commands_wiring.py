"""The command adapter covers every referral command and speaks the domain's vocabulary."""

from __future__ import annotations

from hub_contracts import ReviewChoice, StaffRole, Topic, all_payload_classes
from hub_runtime.auth import Role
from referral.clock import Clock
from referral.deps import Deps
from referral.domain.policy import ReviewAction
from referral.kafka_commands import ALLOWED_ROLES, COMMAND_TOPICS, command_handlers
from referral.permissions import REVIEWERS, STAFF
from referral.vault import CaseVault


def test_every_command_on_the_topic_has_a_handler_and_a_role_rule() -> None:
    commands = {cls for cls in all_payload_classes() if cls.topic in COMMAND_TOPICS}
    assert commands, "no command is registered on referral.commands.v1"
    assert {cls.event_type for cls in commands} == set(
        command_handlers(Deps(Clock(), CaseVault("test")))
    )
    assert set(ALLOWED_ROLES) == commands


def test_the_contract_vocabulary_maps_onto_the_domains() -> None:
    assert {choice.value for choice in ReviewChoice} == {action.value for action in ReviewAction}
    assert {Role(role.value) for role in StaffRole} == set(STAFF)


def test_only_coordinators_review_over_http_and_kafka_alike() -> None:
    reviews = [cls for cls in ALLOWED_ROLES if cls.__name__ == "ReviewReferralCommand"]
    assert [ALLOWED_ROLES[cls] for cls in reviews] == [REVIEWERS] == [(Role.COORDINATOR,)]
    assert Topic.REFERRAL_COMMANDS in COMMAND_TOPICS
