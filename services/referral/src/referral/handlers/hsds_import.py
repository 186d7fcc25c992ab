"""The directory's HSDS 3.0 import: organizations in, directory entries created or updated.

Every write goes through `directory.register_partner` / `directory.update_partner` (audit,
`PartnerRegistered`, the re-evaluation of open referrals), so the directory's rules hold here
too. On top of them, an import decides nothing about who may receive data:

- a **new** organization lands without an agreement (whatever the document says), so
  ``hub_contracts.privacy.may_receive_data`` is false until an admin records one with
  ``PUT /partners/{id}`` (audited ``agreement_signed``); its kind, countries and purposes come
  from the hub's attributes and are required;
- an **update** takes only name, description and services; the standing (countries, purposes,
  agreement, active) stays as the admin set it, and differing claims are reported as ignored;
- the **origin-authority classification** is never lifted: a document that gives an entry
  ever listed as one another kind, or ``ever_origin_authority: false``, refuses the whole
  import (409 ``origin_authority_permanent``, the same as a PUT); a document may classify an
  entry as an origin-country authority (that only ever restricts; audited ``reclassified``).

One import is one transaction: a refused organization refuses them all.
"""

from __future__ import annotations

from hub_contracts import PartnerType
from hub_runtime.errors import ConflictError, InvalidError

from referral.bodies import HsdsOrganization, RegisterPartner, UpdatePartner
from referral.deps import Deps
from referral.domain.model import Partner
from referral.domain.partner_changes import ChangeReason
from referral.handlers import directory
from referral.hsds.taxonomy import Term
from referral.messages import AddPartner, ImportOrganizations, ImportOutcome, ReplacePartner
from referral.unit_of_work import ReferralUnitOfWork


async def import_organizations(
    message: ImportOrganizations, uow: ReferralUnitOfWork, deps: Deps
) -> list[ImportOutcome]:
    """Create or update one entry per organization, in the message's order.

    Raises `InvalidError` ``hsds_partner_type_missing``, ``hsds_country_missing``,
    ``hsds_purpose_missing`` (a new organization without them) and those of
    `directory.register_partner` / `update_partner`; `ConflictError`
    ``origin_authority_permanent``."""
    outcomes = []
    for index, organization in enumerate(message.organizations):
        before = await uow.partners.get(organization.organization_id, for_update=True)
        if before is None:
            outcomes.append(await _create(index, organization, message, uow, deps))
        else:
            outcomes.append(await _update(before, organization, message, uow, deps))
    return outcomes


async def _create(
    index: int,
    organization: HsdsOrganization,
    message: ImportOrganizations,
    uow: ReferralUnitOfWork,
    deps: Deps,
) -> ImportOutcome:
    kind = PartnerType.AUTHORITY_ORIGIN if organization.claims_origin_authority else None
    kind = kind or organization.partner_type
    if kind is None:
        raise _missing(index, Term.PARTNER_TYPE, "hsds_partner_type_missing")
    if not organization.countries:
        raise _missing(index, Term.COUNTRY, "hsds_country_missing")
    if not organization.purposes:
        raise _missing(index, Term.PURPOSE, "hsds_purpose_missing")
    # No agreement, ever: receiving data is an admin's decision (PUT /partners/{id}).
    entry = RegisterPartner(
        name=organization.name,
        description=organization.description,
        partner_type=kind,
        countries=organization.countries,
        services=organization.services,
        purposes=organization.purposes,
    )
    partner = await directory.register_partner(
        AddPartner(entry, message.imported_by, partner_id=organization.organization_id),
        uow,
        deps,
    )
    applied = {Term.EVER_ORIGIN_AUTHORITY} if organization.claims_origin_authority else set()
    ignored = tuple(t.value for t in organization.export_only if t not in applied)
    return _outcome(partner, "created", ignored, deps)


async def _update(
    before: Partner,
    organization: HsdsOrganization,
    message: ImportOrganizations,
    uow: ReferralUnitOfWork,
    deps: Deps,
) -> ImportOutcome:
    claims_authority = organization.claims_origin_authority or (
        organization.partner_type is PartnerType.AUTHORITY_ORIGIN
    )
    denies_authority = (
        organization.partner_type not in (None, PartnerType.AUTHORITY_ORIGIN)
        # ever_origin_authority given, and not as true: "false"
        or (
            Term.EVER_ORIGIN_AUTHORITY in organization.export_only
            and not organization.claims_origin_authority
        )
    )
    if before.origin_authority and denies_authority:
        raise ConflictError(
            "An organization of the import was listed as an origin-country authority: that"
            " classification is permanent and no import changes it; nothing was imported.",
            code="origin_authority_permanent",
            extra={"organization_id": str(before.partner_id)},
        )
    kind = PartnerType.AUTHORITY_ORIGIN if claims_authority else before.partner_type
    entry = UpdatePartner(
        name=organization.name,
        description=organization.description,
        services=organization.services,
        partner_type=kind,
        # The standing stays as the admin set it.
        countries=list(before.countries),
        purposes=sorted(before.purposes),
        agreement_reference=before.agreement_reference,
        agreement_valid_from=before.agreement_valid_from,
        agreement_valid_until=before.agreement_valid_until,
        active=before.active,
        change_reason=None if kind is before.partner_type else ChangeReason.RECLASSIFIED,
    )
    ignored = _ignored(before, organization, kind)
    if _same(before, entry):
        return _outcome(before, "unchanged", ignored, deps)
    partner = await directory.update_partner(
        ReplacePartner(before.partner_id, entry, message.imported_by), uow, deps
    )
    return _outcome(partner, "updated", ignored, deps)


def _ignored(before: Partner, organization: HsdsOrganization, kind: PartnerType) -> tuple[str, ...]:
    claimed = set(organization.export_only)
    if organization.partner_type not in (None, kind):
        claimed.add(Term.PARTNER_TYPE)
    if organization.countries and set(organization.countries) != set(before.countries):
        claimed.add(Term.COUNTRY)
    if organization.purposes and set(organization.purposes) != before.purposes:
        claimed.add(Term.PURPOSE)
    if organization.claims_origin_authority:
        claimed.discard(Term.EVER_ORIGIN_AUTHORITY)  # applied: the kind is authority_origin
    return tuple(t.value for t in Term if t in claimed)


def _same(before: Partner, entry: UpdatePartner) -> bool:
    return (
        before.name == entry.name
        and before.description == entry.description
        and before.services == tuple(entry.services)
        and before.partner_type is entry.partner_type
    )


def _outcome(partner: Partner, outcome: str, ignored: tuple[str, ...], deps: Deps) -> ImportOutcome:
    return ImportOutcome(
        organization_id=partner.partner_id,
        outcome=outcome,
        ignored=ignored,
        may_receive_data=partner.may_receive_data(deps.clock.today()),
    )


def _missing(index: int, term: Term, code: str) -> InvalidError:
    return InvalidError(
        f"organization {index} is new to the directory: it needs an attribute of the hub's"
        f" taxonomy term '{term.value}'",
        code=code,
    )
