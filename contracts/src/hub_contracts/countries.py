"""The countries a person can come from or a partner can work in: ISO 3166-1 alpha-2 codes that
exist, for the HTTP and command inputs (a new user's trial saw ``XX`` accepted; its shape was
all that was checked).

`ISO_3166_1_ALPHA_2` is a closed copy of the officially assigned codes (249), so the contracts
stay free of a data package; ``contracts/tests/test_countries.py`` compares it with pycountry
(Debian's iso-codes, which follows the ISO 3166 Maintenance Agency), so an update of that list
shows up as a failing test, to be copied here. Reserved and user-assigned codes (``XX``,
``ZZ``, ``AA``, ``QM``-``QZ``, ``XA``-``XZ``) are refused, except ``XK``.

``XK`` (Kosovo) is accepted: a user-assigned code, not in ISO 3166-1, but the one the European
Commission, the EU's return and readmission work, IOM and the IND use for Kosovo, and Kosovo is
a country people return to; refusing it would make a counsellor pick a wrong country.

Event payloads are not changed: their committed JSON Schemas keep the ``^[A-Z]{2}$`` shape, and
an event already on the bus with any two capitals still reads (a stricter reader would
dead-letter the past). The check is at the inputs: `IsoCountryCode`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from hub_contracts.codes import AsciiCode

_ASSIGNED = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""

ISO_3166_1_ALPHA_2: frozenset[str] = frozenset(_ASSIGNED.split())
"""The officially assigned ISO 3166-1 alpha-2 codes, as pycountry 26.2.16 lists them."""

KOSOVO = "XK"
"""User-assigned, accepted on purpose (see the module's text)."""

ACCEPTED: frozenset[str] = ISO_3166_1_ALPHA_2 | {KOSOVO}
"""Every country code an input may carry."""

_SHAPE = AsciiCode(
    "[A-Z]{2}",
    max_length=2,
    words="a country code: 2 ASCII capital letters (ISO 3166-1 alpha-2), e.g. NL",
)


@dataclass(frozen=True)
class AssignedCountry:
    """A country code in `ACCEPTED`: two ASCII capitals (`AsciiCode`) that name a country.
    The JSON Schema stays the shape (``^(?:[A-Z]{2})$``): the list is not the hub's to
    publish as an enum. The reason names the rule, never the value."""

    @staticmethod
    def validate(value: str) -> str:
        """The code itself when accepted; ValueError naming the rule otherwise."""
        _SHAPE.validate(value)
        if value not in ACCEPTED:
            raise ValueError(
                "should be an ISO 3166-1 alpha-2 code assigned to a country, in capitals"
                " (e.g. NL, SY; XK for Kosovo)"
            )
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            self.validate, core_schema.str_schema(strict=True)
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return _SHAPE.json_schema()


IsoCountryCode = Annotated[str, AssignedCountry()]
"""A country of an HTTP body or a command: ISO 3166-1 alpha-2, assigned (or XK)."""
