"""A directory entry as an HSDS 3.0 ``organization`` with its ``services`` and ``attributes``.

What the hub keeps maps to HSDS fields (``id``, ``name``, ``description``, ``services`` by
name); the rest is attributes of the hub's taxonomy (`referral.hsds.taxonomy`). A service's id
is derived from the organisation's id and the service's name (UUID version 5), so it stays the
same from one export to the next; its ``status`` follows the entry (``active``/``inactive``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any
from uuid import UUID, uuid5

from hub_contracts import DataCategory, privacy

from referral.domain.model import Partner
from referral.hsds.taxonomy import Term, taxonomy_term, term_id


def service_id(organization_id: UUID, name: str) -> UUID:
    """The stable id of the organisation's service called ``name``."""
    return uuid5(organization_id, "service:" + name)


def organization(partner: Partner, today: date) -> dict[str, Any]:
    """The entry as a full HSDS ``organization`` (``schema/organization.json``) on ``today``
    (the council's date: ``may_receive_data`` and the data categories depend on it)."""
    oid = str(partner.partner_id)
    return {
        "id": oid,
        "name": partner.name,
        "description": partner.description or "",
        "services": [
            {
                "id": str(service_id(partner.partner_id, name)),
                "organization_id": oid,
                "name": name,
                "status": "active" if partner.active else "inactive",
            }
            for name in partner.services
        ],
        "attributes": [
            _attribute(partner.partner_id, term, value) for term, value in _values(partner, today)
        ],
    }


def page(partners: Sequence[Partner], today: date, number: int, per_page: int) -> dict[str, Any]:
    """Page ``number`` (from 1) of the directory, ``per_page`` organizations each, in the
    shape of HSDS's ``/organizations`` answer (``Page`` of ``schema/openapi.json`` with
    ``contents``; full organizations, as HSDS's ``full=true`` asks)."""
    total = len(partners)
    pages = max(1, math.ceil(total / per_page))
    chosen = partners[(number - 1) * per_page : number * per_page]
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": number,
        "size": len(chosen),
        "first_page": number == 1,
        "last_page": number >= pages,
        "empty": not chosen,
        "contents": [organization(p, today) for p in chosen],
    }


def _values(partner: Partner, today: date) -> Iterable[tuple[Term, str]]:
    receives = partner.may_receive_data(today)
    yield Term.PARTNER_TYPE, partner.partner_type.value
    yield from ((Term.COUNTRY, c) for c in partner.countries)
    yield from ((Term.PURPOSE, p.value) for p in sorted(partner.purposes))
    if receives:
        yield from ((Term.DATA_CATEGORY, c.value) for c in _categories(partner))
    yield Term.ACTIVE, _flag(partner.active)
    yield Term.EVER_ORIGIN_AUTHORITY, _flag(partner.origin_authority)
    yield Term.MAY_RECEIVE_DATA, _flag(receives)
    if partner.agreement_reference is not None:
        yield Term.AGREEMENT_REFERENCE, partner.agreement_reference
    if partner.agreement_valid_from is not None:
        yield Term.AGREEMENT_VALID_FROM, partner.agreement_valid_from.isoformat()
    if partner.agreement_valid_until is not None:
        yield Term.AGREEMENT_VALID_UNTIL, partner.agreement_valid_until.isoformat()


def _categories(partner: Partner) -> list[DataCategory]:
    allowed = set[DataCategory]()
    for purpose in partner.purposes:
        allowed |= privacy.CATEGORIES_FOR_PURPOSE[purpose]
    return [c for c in DataCategory if c in allowed]


def _attribute(organization_id: UUID, term: Term, value: str) -> dict[str, Any]:
    return {
        "id": str(uuid5(organization_id, f"attribute:{term.value}:{value}")),
        "link_id": str(organization_id),
        "link_entity": "organization",
        "taxonomy_term_id": str(term_id(term)),
        "taxonomy_term": taxonomy_term(term),
        "value": value,
    }


def _flag(value: bool) -> str:
    return "true" if value else "false"
