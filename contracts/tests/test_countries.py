"""Country codes of the inputs (hub_contracts.countries): those ISO 3166-1 assigns, and XK."""

import pycountry
import pytest
from hub_contracts.countries import ACCEPTED, ISO_3166_1_ALPHA_2, KOSOVO, IsoCountryCode
from pydantic import BaseModel, ValidationError


class Origin(BaseModel):
    country: IsoCountryCode


def test_the_closed_list_is_iso_3166_1_as_pycountry_knows_it() -> None:
    """Fails when ISO 3166-1 assigns or withdraws a code (through pycountry, which follows
    Debian's iso-codes): copy the new list into hub_contracts.countries."""
    assert {country.alpha_2 for country in pycountry.countries} == ISO_3166_1_ALPHA_2


def test_kosovo_is_the_one_user_assigned_code_accepted() -> None:
    assert pycountry.countries.get(alpha_2=KOSOVO) is None  # not ISO's
    assert {KOSOVO} == ACCEPTED - ISO_3166_1_ALPHA_2
    assert Origin(country="XK").country == "XK"


@pytest.mark.parametrize("code", ["NL", "SY", "IQ", "ER", "SO", "AF", "SS"])
def test_assigned_codes_pass(code: str) -> None:
    assert Origin(country=code).country == code


@pytest.mark.parametrize(
    "code",
    [
        "XX",  # the trial's: user-assigned, no country
        "ZZ",
        "AA",
        "QM",
        "EU",  # exceptionally reserved, not a country
        "UK",  # likewise (GB is the code)
        "YU",  # withdrawn (Yugoslavia)
        "nl",
        "NLD",
        "N",
        "\uff2e\uff2c",  # full-width NL
        "NL\n",
    ],
)
def test_codes_no_country_has_are_refused_naming_the_rule_not_the_value(code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Origin(country=code)
    message = str(refused.value.errors()[0]["msg"])
    assert "ISO 3166-1 alpha-2" in message or "^(?:[A-Z]{2})$" in message, message


def test_the_json_schema_is_the_shape_not_the_list() -> None:
    schema = Origin.model_json_schema()["properties"]["country"]
    schema.pop("title")
    assert schema == {"type": "string", "pattern": "^(?:[A-Z]{2})$", "maxLength": 2}
