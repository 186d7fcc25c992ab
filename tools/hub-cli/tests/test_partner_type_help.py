"""`hub partners register --help` names the partner types the gateway takes, and no other
(the eleventh new user's trial: its example `ngo_origin` was refused by the API)."""

import re

from hub_contracts.vocabulary import PartnerType

from .conftest import Cli


def test_the_type_option_lists_exactly_the_contract_s_partner_types(cli: Cli) -> None:
    result = cli.invoke("partners", "register", "--help", COLUMNS="200")
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "--type" in line)
    listed = re.search(r"One of: ([a-z_, ]+)\.", line)
    assert listed is not None, line
    assert listed.group(1).split(", ") == [kind.value for kind in PartnerType]
