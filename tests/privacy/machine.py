"""A hypothesis state machine over the hub's public HTTP APIs (issue 12, "Done when").

Random sequences of: open a case, change its stage, record the decision, register, reclassify
and remove partners, grant and withdraw consents, request and review referrals, poll the inbox
and fetch as the partner, report a status, close the case, erase the person. After every step
the hub is allowed to settle (outboxes published, every consumer at the end of its partitions),
then the invariants are checked against the test's own model (``model.py``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID

from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from .driver import CANARIES, HubDriver, today
from .model import Case, Consent, Partner, Referral, World

STAGES = ["first_rejection", "appeal_pending", "final_rejection", "in_procedure"]
NEXT_STAGES = {
    # The legal moves among these stages (the case file refuses others; see its stages model).
    "in_procedure": ["first_rejection"],
    "first_rejection": ["appeal_pending", "final_rejection"],
    "appeal_pending": ["final_rejection", "in_procedure"],
    "final_rejection": ["in_procedure"],
}
PURPOSES = ["return_counselling", "travel_documents", "reintegration_support"]
CATEGORIES = ["identity", "contact", "household", "travel_documents", "case_history"]
PARTNER_TYPES = ["ngo", "intergovernmental", "authority_origin"]
OPEN = {"requested", "awaiting_review", "approved", "delivered", "accepted", "in_progress"}

purposes = st.lists(st.sampled_from(PURPOSES), min_size=1, max_size=3, unique=True)
categories = st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3, unique=True)


class PrivacyMachine(RuleBasedStateMachine):
    """The hub as its users drive it, checked after every step."""

    driver: ClassVar[HubDriver]
    seen: ClassVar[dict[str, int]] = {}
    """What the examples did (rule -> answer -> count): printed by the tests, so that a run that
    never reached a rule's interesting answer shows it."""

    referrals = Bundle("referrals")

    @classmethod
    def note(cls, what: str, status: int) -> None:
        key = f"{what}:{status}"
        cls.seen[key] = cls.seen.get(key, 0) + 1

    def __init__(self) -> None:
        super().__init__()
        self.world = World()
        self.fetched: dict[UUID, int] = {}  # referral -> disclosures the partner received

    # -- a starting point that makes every rule reachable quickly -----------------------------

    @initialize(target=referrals)
    def an_approved_travel_documents_referral(self) -> Any:
        """Every example starts where the rules matter: a person who chose return at the first
        rejection, an NGO, a consent for counselling and travel documents, and an approved
        travel-documents referral the partner may fetch (so a stage change to appeal_pending,
        a withdrawal, a reclassification or an erasure has something to stop)."""
        case = self._open("first_rejection")
        self.driver.record_decision(case.case_id)
        partner = self._register("ngo")
        self.driver.settle()
        both = ["return_counselling", "travel_documents"]
        papers = ["identity", "contact", "travel_documents"]
        consent = self.grant_consent(case, partner, both, papers)
        assert consent is not None, "the starting consent was refused"
        referral = self.request_referral(case, partner, "travel_documents", papers)
        assert referral is not None, "the starting referral was refused"
        # A family with a child: a coordinator reviews it first (the reason is a canary too).
        reviewed = self.driver.review(referral.referral_id, "approve")
        assert reviewed.status == 200, reviewed.text
        assert reviewed.body["status"] == "approved", reviewed.text
        self.driver.settle()
        return referral

    # -- counsellors -----------------------------------------------------------------------

    # A few cases and partners are enough to meet every rule; more would only dilute the
    # sequences that matter (stage changes, withdrawals, fetches).
    @precondition(lambda self: len(self.world.cases) < 3)
    @rule(stage=st.sampled_from(STAGES))
    def open_case(self, stage: str) -> None:
        self._open(stage)

    @rule(data=st.data())
    def change_stage(self, data: st.DataObject) -> None:
        """A legal next stage of a case that has referrals (where a stage change matters)."""
        with_referrals = sorted({r.case_id for r in self.world.referrals.values()})
        case = self.world.cases[
            data.draw(st.sampled_from(with_referrals or sorted(self.world.cases)), label="case")
        ]
        options = NEXT_STAGES.get(case.stage, [])
        if not options:
            return
        to_stage = data.draw(st.sampled_from(options), label="to_stage")
        if self.driver.change_stage(case.case_id, to_stage).status == 200:
            case.stage = to_stage
        self._eager_partners()

    @rule(data=st.data())
    def record_decision(self, data: st.DataObject) -> None:
        case = self._case(data)
        self.driver.record_decision(case.case_id)
        self.driver.settle()

    @rule(data=st.data(), purposes=purposes, categories=categories)
    def grant_consent_rule(
        self, data: st.DataObject, purposes: list[str], categories: list[str]
    ) -> None:
        self.grant_consent(self._case(data), self._partner(data), purposes, categories)

    def grant_consent(
        self, case: Case, partner: Partner, purposes: list[str], categories: list[str]
    ) -> Consent | None:
        answer = self.driver.grant_consent(case.case_id, partner.partner_id, purposes, categories)
        self.driver.settle()
        if answer.status != 201:
            return None
        consent = Consent(
            UUID(answer.body["consent_id"]),
            case.case_id,
            partner.partner_id,
            set(purposes),
            set(categories),
            today(),
            answer_date(answer.body, "valid_until"),
        )
        self.world.consents[consent.consent_id] = consent
        return consent

    @precondition(lambda self: bool(self.world.consents))
    @rule(data=st.data())
    def withdraw_consent(self, data: st.DataObject) -> None:
        consent = self.world.consents[
            data.draw(st.sampled_from(sorted(self.world.consents)), label="consent")
        ]
        if self.driver.withdraw_consent(consent.consent_id).status == 200:
            consent.withdrawn = True
        self._eager_partners()

    @rule(
        target=referrals,
        data=st.data(),
        purpose=st.sampled_from(PURPOSES),
        categories=categories,
    )
    def request_referral_rule(
        self, data: st.DataObject, purpose: str, categories: list[str]
    ) -> Any:
        referral = self.request_referral(self._case(data), self._partner(data), purpose, categories)
        return multiple() if referral is None else referral

    def request_referral(
        self, case: Case, partner: Partner, purpose: str, categories: list[str]
    ) -> Referral | None:
        answer = self.driver.request_referral(case.case_id, partner.partner_id, purpose, categories)
        self.driver.settle()
        if answer.status != 201:
            return None
        referral = Referral(
            UUID(answer.body["referral_id"]),
            case.case_id,
            partner.partner_id,
            purpose,
            set(categories),
        )
        self.world.referrals[referral.referral_id] = referral
        if answer.body.get("status") == "refused":
            return None  # known to the model, but nothing to drive further
        return referral

    @rule(referral=referrals, decision=st.sampled_from(["approve", "override"]))
    def review(self, referral: Referral, decision: str) -> None:
        self.driver.review(referral.referral_id, decision)
        self._eager_partners()

    @rule(data=st.data())
    def close_case(self, data: st.DataObject) -> None:
        case = self._case(data)
        if self.driver.close_case(case.case_id).status == 200:
            case.closed = True
        self._eager_partners()

    @rule(data=st.data())
    def erase_person(self, data: st.DataObject) -> None:
        case = self._case(data)
        if self.driver.erase(case.case_id).status == 200:
            case.erased = True
        self._eager_partners()

    # -- admins ----------------------------------------------------------------------------

    @precondition(lambda self: len(self.world.partners) < 3)
    @rule(partner_type=st.sampled_from(PARTNER_TYPES))
    def register_partner(self, partner_type: str) -> None:
        self._register(partner_type)

    # Half the reclassifications list the partner as an origin-country authority: the change
    # whose consequences matter most.
    @rule(
        data=st.data(),
        partner_type=st.one_of(st.just("authority_origin"), st.sampled_from(PARTNER_TYPES)),
    )
    def reclassify_partner(self, data: st.DataObject, partner_type: str) -> None:
        """A partner that has referrals (where a change of standing matters) changes type."""
        asked_at = datetime.now(UTC)
        with_referrals = sorted({r.partner_id for r in self.world.referrals.values()})
        partner = self.world.partners[
            data.draw(
                st.sampled_from(with_referrals or sorted(self.world.partners)), label="partner"
            )
        ]
        answer = self.driver.update_partner(
            partner.partner_id,
            partner_type,
            sorted(partner.purposes),
            partner.active,
            "reclassified",
        )
        if answer.status == 200:
            if partner.ever_origin_authority and partner_type != "authority_origin":
                self.world.violations.append(
                    f"partner {partner.partner_id}, once an origin-country authority, was "
                    f"reclassified as {partner_type}"
                )
            partner.partner_type = partner_type
            if partner_type == "authority_origin" and partner.authority_since is None:
                partner.authority_since = asked_at
            partner.ever_origin_authority |= partner_type == "authority_origin"
        self._eager_partners()

    @rule(data=st.data())
    def remove_partner(self, data: st.DataObject) -> None:
        partner = self._partner(data)
        answer = self.driver.update_partner(
            partner.partner_id, partner.partner_type, sorted(partner.purposes), False, "removed"
        )
        if answer.status == 200:
            partner.active = False
        self._eager_partners()

    # -- partners --------------------------------------------------------------------------

    @rule(data=st.data())
    def poll_inbox(self, data: st.DataObject) -> None:
        partner = self._partner(data)
        for item in self.driver.inbox(partner.partner_id):
            referral_id = _referral_of(item)
            if referral_id in self.world.referrals:
                self.world.referrals[referral_id].told = True

    @rule(referral=referrals)
    def fetch_as_partner(self, referral: Referral) -> None:
        self._fetch(referral)
        self.driver.settle()

    @rule(referral=referrals, status=st.sampled_from(["accepted", "declined"]))
    def report_status(self, referral: Referral, status: str) -> None:
        self.driver.report(referral.partner_id, referral.referral_id, status)
        self._eager_partners()

    # -- after every step -------------------------------------------------------------------

    @invariant()
    def no_disclosure_the_model_forbids(self) -> None:
        assert self.world.violations == [], self.world.violations

    @invariant()
    def nothing_ever_reaches_an_origin_authority(self) -> None:
        """Nothing is told or disclosed to a partner from the moment it is listed as an
        origin-country authority (what went to it before, as an NGO, is history)."""
        since = {
            p.partner_id: p.authority_since
            for p in self.world.partners.values()
            if p.authority_since is not None
        }
        if not since:
            return
        for partner_id, moment in since.items():
            told = [
                i
                for i in self.driver.inbox(partner_id)
                if _referral_of(i) is not None and _at(i.get("timestamp")) >= moment
            ]
            assert told == [], f"an origin-country authority was told: {told}"
        leaked = [
            d
            for d in self.driver.disclosures()
            if UUID(str(d["partner_id"])) in since
            and _at(d["disclosed_at"]) >= since[UUID(str(d["partner_id"]))]
        ]
        assert leaked == [], f"disclosed to an origin-country authority: {leaked}"

    @invariant()
    def every_disclosure_was_a_fetch(self) -> None:
        ours = [
            d
            for d in self.driver.disclosures()
            if UUID(str(d["referral_id"])) in self.world.referrals
        ]
        by_referral: dict[UUID, int] = {}
        for d in ours:
            rid = UUID(str(d["referral_id"]))
            by_referral[rid] = by_referral.get(rid, 0) + 1
        assert by_referral == {k: v for k, v in self.fetched.items() if v}, (
            "the disclosure log and the partners' successful fetches differ"
        )

    @invariant()
    def every_partner_told_learns_of_the_end(self) -> None:
        told = [r for r in self.world.referrals.values() if r.told]
        if not told:
            return
        noticed = {
            (UUID(str(n["partner_id"])), UUID(str(n["case_id"]))) for n in self.driver.notices()
        }
        for referral in told:
            view = self.driver.referral_view(referral.referral_id)
            ended = self.world.cases[referral.case_id].erased or (
                view.status == 200 and view.body["status"] == "withdrawn"
            )
            if ended:
                assert (referral.partner_id, referral.case_id) in noticed, (
                    f"partner {referral.partner_id} was told of referral {referral.referral_id} "
                    "and never learnt that it ended"
                )

    @invariant()
    def an_erased_person_is_returned_by_no_api(self) -> None:
        for case in self.world.cases.values():
            if not case.erased:
                continue
            shown = [
                canary
                for text in self.driver.person_views(case.case_id)
                for canary in CANARIES
                if canary in text
            ]
            assert shown == [], f"after erasure an API still shows {shown}"

    def teardown(self) -> None:
        if any(case.erased for case in self.world.cases.values()):
            found = self.driver.dump_contains(CANARIES)
            assert found == [], f"personal data in plaintext in a database: {found}"

    # -- helpers ----------------------------------------------------------------------------

    def _case(self, data: st.DataObject) -> Case:
        """Any case of this example (the starting one included)."""
        return self.world.cases[data.draw(st.sampled_from(sorted(self.world.cases)), label="case")]

    def _partner(self, data: st.DataObject) -> Partner:
        """Any partner of this example (the starting one included)."""
        key = data.draw(st.sampled_from(sorted(self.world.partners)), label="partner")
        return self.world.partners[key]

    def _fetch(self, referral: Referral) -> None:
        """The partner asks for the referral's data; a 200 the model forbids is a violation."""
        answer = self.driver.fetch(referral.partner_id, referral.referral_id)
        if answer.status == 200:
            self.fetched[referral.referral_id] = self.fetched.get(referral.referral_id, 0) + 1
            why_not = self.world.disclosure_allowed(referral, today())
            if why_not is not None:
                self.world.violations.append(
                    f"referral {referral.referral_id} disclosed although: {why_not}"
                )
        elif answer.status >= 500:
            self.world.violations.append(f"fetch answered {answer.status}: {answer.text[:200]}")

    def _eager_partners(self) -> None:
        """Partners fetch every referral they know of right after a change (the moment a gate
        must already hold), then the hub settles."""
        self.driver.settle()
        for referral in list(self.world.referrals.values()):
            self._fetch(referral)
        self.driver.settle()

    def _open(self, stage: str) -> Case:
        answer = self.driver.open_case(stage)
        assert answer.status == 201, answer.text
        case = Case(UUID(answer.body["case_id"]), stage)
        self.world.cases[case.case_id] = case
        self.driver.settle()
        return case

    def _register(self, partner_type: str) -> Partner:
        purposes = ["return_counselling", "travel_documents", "reintegration_support"]
        answer = self.driver.register_partner(partner_type, purposes)
        assert answer.status == 201, answer.text
        partner = Partner(
            UUID(answer.body["partner_id"]),
            partner_type,
            set(purposes),
            ever_origin_authority=partner_type == "authority_origin",
            authority_since=datetime.now(UTC) if partner_type == "authority_origin" else None,
        )
        self.world.partners[partner.partner_id] = partner
        self.driver.settle()
        return partner


def _at(text: Any) -> datetime:
    """An ISO 8601 instant from an API answer (UTC when it names no offset)."""
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _referral_of(item: dict[str, Any]) -> UUID | None:
    """The referral an inbox item announces as ready, if it is such an item."""
    data = item.get("data") or {}
    referral_id = data.get("referral_id") if isinstance(data, dict) else None
    kind = str(item.get("type") or item.get("kind") or "")
    if referral_id is None or "ready" not in kind:
        return None
    return UUID(str(referral_id))


def answer_date(body: dict[str, Any], key: str) -> Any:
    from datetime import date

    return date.fromisoformat(str(body[key]))
