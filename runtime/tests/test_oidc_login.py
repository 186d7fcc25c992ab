"""The pure parts of the provider sign-in (`hub_runtime.oidc_login`); the flow itself is tested
against the real Keycloak in services/signals/tests/integration/test_dashboard_provider_sign_in.py.
"""

from hub_runtime.oidc_login import LoginStart


def test_the_code_challenge_is_rfc_7636s_example() -> None:
    # RFC 7636 Appendix B: the verifier and its S256 challenge.
    start = LoginStart("s", "n", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    assert start.code_challenge() == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_every_attempt_has_its_own_random_values_of_the_rfcs_length() -> None:
    one, two = LoginStart.new(), LoginStart.new()
    assert len({one.state, one.nonce, one.code_verifier, two.state, two.nonce}) == 5
    # RFC 7636 section 4.1: 43 to 128 characters of [A-Za-z0-9-._~].
    assert 43 <= len(one.code_verifier) <= 128
    assert set(one.code_verifier) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    )


def test_only_the_same_state_matches() -> None:
    start = LoginStart.new()
    assert start.state_matches(start.state)
    assert not start.state_matches(start.state[:-1])
    assert not start.state_matches("")
    assert not start.state_matches(None)
