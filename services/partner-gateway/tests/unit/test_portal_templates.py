"""The portal's templates rendered without the stack: a full referral (every category, a
household of eight) in Arabic stays right-to-left, escaped and under the page budget."""

from __future__ import annotations

from typing import Any

from partner_gateway.api.portal import labels
from partner_gateway.api.portal.render import Portal

PAGE_BUDGET = 14_600  # bytes on the wire per page, see test_portal_in_chromium.py


def _render(language: str, referral: dict[str, Any]) -> str:
    portal = Portal.build(secure=True, secret="x" * 32, idle=900, absolute=3600)
    template = portal.environments[language].get_template("referral.html")
    return template.render(
        lang=language,
        dir="rtl" if language == "ar" else "ltr",
        languages={"en": "English", "fr": "Français", "ar": "العربية"},
        here="%2Fportal%2F",
        csrf="0" * 64,
        staff=None,
        labels=labels,
        new_key=lambda: "k" * 22,
        referral=referral,
    )


def _full_referral() -> dict[str, Any]:
    members = [
        {"relation": "child", "name": f"محمد <b>{i}</b>", "date_of_birth": "2015-01-01"}
        for i in range(8)
    ]
    return {
        "referral_id": "8c514022-0000-4000-8000-000000000000",
        "purpose": "reintegration_support",
        "data_categories": ["contact", "household", "identity", "medical_needs"],
        "legal_basis": "explicit_consent_gdpr_49_1_a",
        "data": {
            "identity": {"name": "Amina X", "date_of_birth": "1990-02-03", "languages": ["ar"]},
            "contact": {"phone": "+212 600 000 000"},
            "household": {"members": members},
            "medical_needs": {"medical_needs": "asthma"},
        },
    }


def test_a_full_referral_renders_nested_data_escaped_in_arabic_under_the_budget() -> None:
    html = _render("ar", _full_referral())
    assert '<html lang="ar" dir="rtl">' in html
    assert "&lt;b&gt;7&lt;/b&gt;" in html  # escaped, never markup
    assert "<b>" not in html
    assert "أفراد الأسرة" in html  # "Household members", translated field label
    assert "موافقة صريحة على النقل" in html  # the legal basis in words
    headers = 400  # the answer's status line and headers, measured at about 300
    assert len(html.encode()) + headers <= PAGE_BUDGET, len(html.encode())
