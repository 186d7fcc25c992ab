"""The services' local ports: the services' own port variables, defaults 8101-8104 and 8190."""

import pytest
from hub_runtime.local_ports import PortSettingError, local_port, local_url


def test_the_defaults_are_make_runs_ports() -> None:
    assert [local_port(s, {}) for s in ("casefile", "referral", "partner-gateway", "signals")] == [
        8101,
        8102,
        8103,
        8104,
    ]
    assert local_url("partner-simulator", {}) == "http://127.0.0.1:8190"


def test_each_service_follows_its_own_port_variable() -> None:
    environ = {"CASEFILE_HTTP_PORT": "9101", "PARTNER_GATEWAY_HTTP_PORT": " 9103 ", "SIM_PORT": ""}
    assert local_url("casefile", environ) == "http://127.0.0.1:9101"
    assert local_url("partner-gateway", environ) == "http://127.0.0.1:9103"
    assert local_url("referral", environ) == "http://127.0.0.1:8102"
    assert local_port("partner-simulator", environ) == 8190  # empty: the default


@pytest.mark.parametrize("value", ["0", "65536", "81o1", "-1", "٨١٠١", "8101.0"])
def test_a_value_that_is_no_port_names_the_variable(value: str) -> None:
    with pytest.raises(PortSettingError) as refused:
        local_port("signals", {"SIGNALS_HTTP_PORT": value})
    assert refused.value.variable == "SIGNALS_HTTP_PORT"
    assert value not in str(refused.value)
