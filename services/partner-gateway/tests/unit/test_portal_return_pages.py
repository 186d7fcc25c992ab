"""A language link's ``next`` returns only to one of the portal's own pages (the sixth new
user's trial: ``/portal/../dashboard`` left the portal, and any typed path or query went into
the redirect's ``Location``)."""

import pytest
from partner_gateway.api.portal.render import safe_next

REFERRAL = "/portal/referrals/0b5e4f0e-8d6c-4c1e-9a51-3f0f2b7c9d11"


@pytest.mark.parametrize(
    "page",
    ["/portal/", "/portal/team", "/portal/factor", "/portal/sign-in", "/portal/sign-in/code",
     "/portal/activate", "/portal/reset", REFERRAL],
)  # fmt: skip
def test_the_portal_s_own_pages_are_returned_to(page: str) -> None:
    assert safe_next(page) == page


@pytest.mark.parametrize(
    "typed",
    [
        None,
        "",
        "/portal/../dashboard",
        "/portal/%2e%2e/dashboard",
        "//example.org/portal/",
        "https://example.org/portal/",
        "/portal//example.org",
        "/portal/\\\\example.org",
        "/portal/fatima-haddad",
        "/portal/team?name=Fatima Haddad",
        "/portal/?x=1",
        REFERRAL.upper(),
        REFERRAL + "/status",
        "/portal/team\n",
        "/portalx/",
    ],
)
def test_anything_else_returns_to_the_start_page(typed: str | None) -> None:
    assert safe_next(typed) == "/portal/"
