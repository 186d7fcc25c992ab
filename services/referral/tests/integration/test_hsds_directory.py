"""The partner directory as Open Referral HSDS 3.0 on the real stack: the export validates
against the vendored official schema, an organization round-trips through the import, and
no import lifts an origin-authority classification or lets data flow."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from hub_contracts import PartnerRegistered
from hub_runtime.auth import Role, mint_token
from referral.hsds import schema

from ._hsds import ORGANIZATIONS, attribute, organization, problems, values

pytestmark = pytest.mark.integration


async def _import(stack: Any, body: Any, role: Role = Role.ADMIN) -> Any:
    return await stack.http.post(ORGANIZATIONS, json=body, headers=stack.token(role))


async def _exported(stack: Any, organization_id: str) -> dict[str, Any]:
    response = await stack.http.get(
        f"{ORGANIZATIONS}/{organization_id}", headers=stack.token(Role.COUNSELLOR)
    )
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


async def test_the_export_validates_against_the_hsds_3_0_schema(stack: Any) -> None:
    iom = await stack.register_partner(description="Assisted voluntary return.")
    ngo = await stack.register_partner(
        name="Return NGO",
        partner_type="ngo",
        agreement_reference=None,
        agreement_valid_from=None,
        agreement_valid_until=None,
    )
    embassy = await stack.register_partner(
        name="Embassy of the origin country", partner_type="authority_origin", countries=["IQ"]
    )
    page = await stack.http.get(ORGANIZATIONS, headers=stack.token(Role.COORDINATOR))
    assert page.status_code == 200, page.text
    answer = page.json()
    contents = answer.pop("contents")
    page_schema = schema.load("openapi")["components"]["schemas"]["Page"]
    cls = schema.validator_class()
    assert list(cls(page_schema).iter_errors(answer)) == []
    assert (answer["total_items"], answer["size"], answer["empty"]) == (3, 3, False)

    assert {o["id"] for o in contents} == {
        iom["partner_id"],
        ngo["partner_id"],
        embassy["partner_id"],
    }
    for document in contents:
        assert problems("organization", document) == []
        assert problems("organization", document, strict_schema=True) == []
        assert problems("organization_list", document) == []
        assert document == await _exported(stack, document["id"])

    by_id = {o["id"]: o for o in contents}
    exported_iom, exported_embassy = by_id[iom["partner_id"]], by_id[embassy["partner_id"]]
    assert exported_iom["description"] == "Assisted voluntary return."
    assert [s["name"] for s in exported_iom["services"]] == iom["services"]
    assert values(exported_iom, "partner_type") == ["intergovernmental"]
    assert sorted(values(exported_iom, "country")) == ["IQ", "NL"]
    assert values(exported_iom, "may_receive_data") == ["true"]
    assert "travel_documents" in values(exported_iom, "data_category")
    # The authority is listed (staff must see it, to refuse it by name) and receives nothing.
    assert values(exported_embassy, "partner_type") == ["authority_origin"]
    assert values(exported_embassy, "ever_origin_authority") == ["true"]
    assert values(exported_embassy, "may_receive_data") == ["false"]
    assert values(exported_embassy, "data_category") == []
    assert values(by_id[ngo["partner_id"]], "may_receive_data") == ["false"]

    second = await stack.http.get(
        ORGANIZATIONS, params={"page": 2, "per_page": 2}, headers=stack.token(Role.ADMIN)
    )
    assert (second.json()["size"], second.json()["last_page"]) == (1, True)
    terms = await stack.http.get(
        "/directory/hsds/taxonomy_terms", headers=stack.token(Role.COUNSELLOR)
    )
    nested = schema.load("organization")["properties"]["attributes"]["items"]["properties"]
    for term in terms.json():
        assert list(cls(nested["taxonomy_term"]).iter_errors(term)) == []


async def test_an_hsds_organization_round_trips_through_import_and_export(stack: Any) -> None:
    sent = organization()
    assert problems("organization", sent) == []  # a valid HSDS 3.0 organization to begin with

    imported = await _import(stack, sent)
    assert imported.status_code == 200, imported.text
    [outcome] = imported.json()
    assert (outcome["organization_id"], outcome["outcome"]) == (sent["id"], "created")
    assert outcome["may_receive_data"] is False

    exported = await _exported(stack, sent["id"])
    assert problems("organization", exported, strict_schema=True) == []
    assert (exported["id"], exported["name"], exported["description"]) == (
        sent["id"],
        sent["name"],
        sent["description"],
    )
    assert [s["name"] for s in exported["services"]] == [s["name"] for s in sent["services"]]
    assert values(exported, "partner_type") == ["ngo"]
    assert values(exported, "country") == ["NL", "IQ"]
    assert values(exported, "purpose") == ["reintegration_support", "return_counselling"]

    # The export imported again changes nothing and exports the same document (fixed point).
    again = await _import(stack, [exported])
    assert again.status_code == 200, again.text
    assert again.json()[0]["outcome"] == "unchanged"
    assert await _exported(stack, sent["id"]) == exported

    renamed = {**exported, "name": "Stichting Terugkeer Hulp NL", "services": []}
    assert (await _import(stack, renamed)).json()[0]["outcome"] == "updated"
    after = await _exported(stack, sent["id"])
    assert (after["name"], after["services"]) == ("Stichting Terugkeer Hulp NL", [])


async def test_no_import_lifts_an_origin_authority_classification(stack: Any) -> None:
    """Refused (409, the whole import), and the authority still receives nothing."""
    embassy = await stack.register_partner(
        name="Embassy of the origin country",
        partner_type="authority_origin",
        countries=["IQ"],
        purposes=["travel_documents"],
    )
    exported = await _exported(stack, embassy["partner_id"])
    own = [
        a
        for a in exported["attributes"]
        if a["taxonomy_term"]["code"] not in ("partner_type", "ever_origin_authority")
    ]
    newcomer = organization()
    attempts = [
        {**exported, "attributes": [*own, attribute("partner_type", "ngo")]},
        {**exported, "attributes": [*own, attribute("ever_origin_authority", "false")]},
        # A fine new organization first: refused with the rest (one transaction).
        [newcomer, {**exported, "attributes": [*own, attribute("partner_type", "other")]}],
    ]
    for body in attempts:
        refused = await _import(stack, body)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"] == "origin_authority_permanent"
    missing = await stack.http.get(
        f"{ORGANIZATIONS}/{newcomer['id']}", headers=stack.token(Role.ADMIN)
    )
    assert missing.status_code == 404

    now = await _exported(stack, embassy["partner_id"])
    assert values(now, "partner_type") == ["authority_origin"]
    assert values(now, "may_receive_data") == ["false"]
    announced = {
        p.partner_type.value
        for _, p in await stack.events()
        if isinstance(p, PartnerRegistered) and str(p.partner_id) == embassy["partner_id"]
    }
    assert announced == {"authority_origin"}
    case_id = await stack.open_case()
    consent = await stack.grant(case_id, embassy["partner_id"], purposes=["travel_documents"])
    assert (consent.status_code, consent.json()["error"]) == (403, "partner_origin_authority")
    referral = await stack.refer(case_id, embassy["partner_id"], purpose="travel_documents")
    assert "partner_origin_authority" in [r["code"] for r in referral.json()["refusal_reasons"]]


async def test_an_import_classifying_an_entry_as_origin_authority_is_applied(stack: Any) -> None:
    ngo = await stack.register_partner(partner_type="ngo")
    exported = await _exported(stack, ngo["partner_id"])
    assert values(exported, "may_receive_data") == ["true"]
    own = [a for a in exported["attributes"] if a["taxonomy_term"]["code"] != "partner_type"]
    body = {**exported, "attributes": [*own, attribute("partner_type", "authority_origin")]}
    answer = await _import(stack, body)
    assert answer.status_code == 200, answer.text
    assert (answer.json()[0]["outcome"], answer.json()[0]["may_receive_data"]) == ("updated", False)
    changes = await stack.http.get(
        f"/partners/{ngo['partner_id']}/changes", headers=stack.token(Role.ADMIN)
    )
    assert [c["reason"] for c in changes.json()] == ["registered", "reclassified"]


async def test_no_import_makes_a_partner_able_to_receive_data(stack: Any) -> None:
    """Ignored (reported in ``ignored``): standing comes only from an admin's PUT."""
    claims = [
        attribute("may_receive_data", "true"),
        attribute("active", "true"),
        attribute("agreement_reference", "DSA-FAKE-1"),
        attribute("agreement_valid_from", "2020-01-01"),
        attribute("agreement_valid_until", "2030-01-01"),
    ]
    sent = organization()
    sent["attributes"] += claims
    created = await _import(stack, sent)
    assert created.status_code == 200, created.text
    [outcome] = created.json()
    assert outcome["may_receive_data"] is False
    assert set(outcome["ignored"]) >= {"may_receive_data", "agreement_reference"}
    entry = await stack.http.get(f"/partners/{sent['id']}", headers=stack.token(Role.ADMIN))
    assert entry.json()["agreement_reference"] is None
    assert entry.json()["may_receive_data"] is False

    case_id = await stack.open_case()
    consent = await stack.grant(case_id, sent["id"])  # a consent is no transfer
    assert consent.status_code == 201, consent.text
    referral = await stack.refer(case_id, sent["id"])
    assert referral.json()["status"] == "refused", referral.text
    assert "agreement_invalid" in [r["code"] for r in referral.json()["refusal_reasons"]]

    # An update cannot change standing either: purposes, countries, agreement stay.
    updated = {
        **sent,
        "attributes": [
            attribute("partner_type", "ngo"),
            attribute("country", "AF"),
            attribute("purpose", "travel_documents"),
            *claims,
        ],
    }
    again = await _import(stack, updated)
    assert again.status_code == 200, again.text
    assert set(again.json()[0]["ignored"]) >= {"country", "purpose", "may_receive_data"}
    entry = await stack.http.get(f"/partners/{sent['id']}", headers=stack.token(Role.ADMIN))
    assert (entry.json()["countries"], entry.json()["agreement_reference"]) == (["NL", "IQ"], None)
    assert entry.json()["may_receive_data"] is False
    changes = await stack.http.get(
        f"/partners/{sent['id']}/changes", headers=stack.token(Role.ADMIN)
    )
    assert [c["reason"] for c in changes.json()] == ["registered"]

    # The one door: an admin's explicit, audited decision.
    decided = await stack.replace_partner(
        entry.json(),
        agreement_reference="DSA-2026-001",
        agreement_valid_from=stack.today().isoformat(),
        agreement_valid_until=stack.today().replace(year=stack.today().year + 1).isoformat(),
        change_reason="agreement_signed",
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["may_receive_data"] is True


def _with(**changes: Any) -> dict[str, Any]:
    document = organization()
    document.update(changes)
    return {k: v for k, v in document.items() if v is not None}


MALFORMED: dict[str, Any] = {
    "no description": _with(description=None),
    "id not a uuid": _with(id="CANARY-not-a-uuid-7731"),
    "service without status": _with(services=[{"id": str(uuid.uuid4()), "name": "x"}]),
    "service status not in the enum": _with(
        services=[{"id": str(uuid.uuid4()), "name": "x", "status": "CANARY-open-7731"}]
    ),
    "attributes not a list": _with(attributes={"a": 1}),
    "not an object": "CANARY-7731",
    "empty list": [],
    "too many": [
        {"id": str(uuid.uuid4()), "name": "CANARY 7731", "description": ""} for _ in range(51)
    ],
    "a country that is no code": _with(
        attributes=[
            attribute("partner_type", "ngo"),
            attribute("country", "CANARY-7731"),
            attribute("purpose", "return_counselling"),
        ]
    ),
    "two kinds": _with(
        attributes=[
            attribute("partner_type", "ngo"),
            attribute("partner_type", "other"),
            attribute("country", "NL"),
            attribute("purpose", "return_counselling"),
        ]
    ),
    "a name with a control character": _with(name="CANARY\u0007 7731"),
    "the same id twice": [organization(id=i) for i in [str(uuid.uuid4())] * 2],
}


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_malformed_hsds_is_refused_with_reasons(stack: Any, case: str) -> None:
    refused = await _import(stack, MALFORMED[case])
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert set(body) >= {"error", "detail", "reasons"}, body
    assert body["reasons"], body
    assert "CANARY" not in refused.text  # reasons never echo the input
    listed = await stack.http.get(ORGANIZATIONS, headers=stack.token(Role.ADMIN))
    assert listed.json()["total_items"] == 0


async def test_a_new_organization_needs_the_hubs_kind_countries_and_purposes(stack: Any) -> None:
    for term, code in [
        ("partner_type", "hsds_partner_type_missing"),
        ("country", "hsds_country_missing"),
        ("purpose", "hsds_purpose_missing"),
    ]:
        document = organization()
        document["attributes"] = [
            a
            for a in document["attributes"]
            if a.get("taxonomy_term_id") != attribute(term, "")["taxonomy_term_id"]
        ]
        refused = await _import(stack, document)
        assert (refused.status_code, refused.json()["error"]) == (422, code), refused.text
    raw = await stack.http.post(
        ORGANIZATIONS,
        content=b"{not json",
        headers={**stack.token(Role.ADMIN), "Content-Type": "application/json"},
    )
    assert raw.status_code == 422, raw.text
    assert raw.json()["reasons"], raw.text


async def test_only_staff_read_it_and_only_admins_import(stack: Any) -> None:
    partner = await stack.register_partner()
    secret = stack.hub.jwt_secret.get_secret_value()
    as_partner = {
        "Authorization": "Bearer "
        + mint_token(
            secret, sub="partner-1", role=Role.PARTNER, partner_id=uuid.UUID(partner["partner_id"])
        )
    }
    reads = [
        ORGANIZATIONS,
        f"{ORGANIZATIONS}/{partner['partner_id']}",
        "/directory/hsds/taxonomy_terms",
    ]
    for path in reads:
        for headers in (as_partner, stack.token(Role.SERVICE), stack.token(Role.ADVOCACY)):
            assert (await stack.http.get(path, headers=headers)).status_code == 403, path
        assert (await stack.http.get(path)).status_code == 401
        for role in (Role.COUNSELLOR, Role.COORDINATOR, Role.ADMIN):
            assert (await stack.http.get(path, headers=stack.token(role))).status_code == 200
    for headers in (as_partner, stack.token(Role.COUNSELLOR), stack.token(Role.COORDINATOR)):
        response = await stack.http.post(ORGANIZATIONS, json=organization(), headers=headers)
        assert response.status_code == 403


async def test_two_imports_of_one_new_organization_at_once_never_fail_with_5xx(
    stack: Any,
) -> None:
    for _ in range(5):
        document = organization()
        answers = await asyncio.gather(*(_import(stack, document) for _ in range(3)))
        statuses = sorted(a.status_code for a in answers)
        assert set(statuses) <= {200, 409}, [a.text for a in answers]
        assert statuses[0] == 200
        for answer in answers:
            if answer.status_code == 409:
                assert answer.json()["error"] == "partner_added_concurrently"
