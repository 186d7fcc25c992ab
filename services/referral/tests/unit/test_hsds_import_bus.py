"""The HSDS import through the bus on the in-memory unit of work: what it creates, what it
refuses, and that an export imported again changes nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import pytest
from hub_contracts import PartnerRegistered, PartnerType, decode
from hub_contracts.envelope import Envelope
from hub_runtime.bus import MessageBus
from hub_runtime.errors import ConflictError, InvalidError
from referral.clock import Clock
from referral.deps import Deps
from referral.fakes import FakeUnitOfWork, State
from referral.hsds import export, importing
from referral.hsds.taxonomy import Term, term_id
from referral.messages import ImportOrganizations
from referral.routes import ROUTES
from referral.vault import CaseVault

from ._builders import NOW, TODAY, partner


@dataclass(frozen=True)
class FixedClock(Clock):
    def now(self) -> datetime:
        return NOW


@pytest.fixture
def hub() -> tuple[State, list[Envelope], MessageBus[Any, Deps]]:
    state, outbox = State(), list[Envelope]()
    deps = Deps(FixedClock(), CaseVault("unit-test-secret"))
    return state, outbox, MessageBus(ROUTES, lambda: FakeUnitOfWork(state, outbox), deps)


def _attribute(term: Term, value: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "taxonomy_term_id": str(term_id(term)), "value": value}


def _document(**changes: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "name": "Return NGO",
        "description": "Counselling.",
        "attributes": [
            _attribute(Term.PARTNER_TYPE, "ngo"),
            _attribute(Term.COUNTRY, "IQ"),
            _attribute(Term.PURPOSE, "return_counselling"),
            _attribute(Term.MAY_RECEIVE_DATA, "true"),
            _attribute(Term.AGREEMENT_REFERENCE, "DSA-9"),
        ],
        **changes,
    }


async def _import(bus: MessageBus[Any, Deps], *documents: dict[str, Any]) -> Any:
    return await bus.dispatch(ImportOrganizations(tuple(importing.parse(list(documents))), "a"))


async def test_a_new_organization_lands_unable_to_receive(hub: Any) -> None:
    state, outbox, bus = hub
    document = _document()
    [outcome] = await _import(bus, document)
    stored = state.partners[uuid.UUID(document["id"])]
    assert (outcome.outcome, outcome.may_receive_data) == ("created", False)
    assert set(outcome.ignored) == {"may_receive_data", "agreement_reference"}
    assert (stored.agreement_reference, stored.may_receive_data(TODAY)) == (None, False)
    assert [type(decode(e)) for e in outbox] == [PartnerRegistered]


async def test_lifting_an_authority_is_refused_and_keeps_nothing(hub: Any) -> None:
    state, outbox, bus = hub
    embassy = partner(partner_type=PartnerType.AUTHORITY_ORIGIN, ever_origin_authority=True)
    state.partners[embassy.partner_id] = embassy
    exported = export.organization(embassy, TODAY)
    kind = str(term_id(Term.PARTNER_TYPE))
    lifted = [a for a in exported["attributes"] if a["taxonomy_term_id"] != kind]
    lifted.append(_attribute(Term.PARTNER_TYPE, "ngo"))
    newcomer = _document()
    with pytest.raises(ConflictError) as refused:
        await _import(bus, newcomer, {**exported, "attributes": lifted})
    assert refused.value.code == "origin_authority_permanent"
    assert set(state.partners) == {embassy.partner_id}
    assert state.partners[embassy.partner_id] == embassy
    assert outbox == []


async def test_an_export_imported_again_changes_nothing(hub: Any) -> None:
    state, outbox, bus = hub
    iom = partner(description="Assisted return.")
    state.partners[iom.partner_id] = iom
    [outcome] = await _import(bus, export.organization(iom, TODAY))
    assert (outcome.outcome, outcome.may_receive_data) == ("unchanged", True)
    assert state.partners[iom.partner_id] == iom
    assert outbox == []
    renamed = export.organization(replace(iom, name="IOM NL"), TODAY)
    [outcome] = await _import(bus, renamed)
    assert outcome.outcome == "updated"
    assert state.partners[iom.partner_id] == replace(iom, name="IOM NL")


async def test_a_new_organization_without_a_kind_is_refused(hub: Any) -> None:
    _, outbox, bus = hub
    document = _document()
    document["attributes"] = document["attributes"][1:]
    with pytest.raises(InvalidError) as refused:
        await _import(bus, document)
    assert refused.value.code == "hsds_partner_type_missing"
    assert outbox == []
