"""A token's subject is recorded as the actor in audit columns: it must be a login-like code.

The fresh-clone attack minted a counsellor token whose `sub` held a person's name, a
right-to-left override and a NUL: PostgreSQL refused the NUL with a 500, and without the NUL the
name was stored as the "staff login". Same class, not in that report: a space, a line feed."""

import jwt
import pytest
from hub_runtime.auth import ISSUER, Role, mint_token, verify_token

SECRET = "test-secret-that-is-long-enough-for-hs256"


@pytest.mark.parametrize(
    "sub",
    ["Amina Demo-Yusuf\u202e\x00", "Amina Demo-Yusuf", "staff\n1", "x" * 129, "", "\uff41lice"],
)
def test_a_subject_that_is_no_login_makes_the_token_invalid(sub: str) -> None:
    token = jwt.encode(
        {"sub": sub, "role": "counsellor", "iss": ISSUER, "iat": 0, "exp": 2**40},
        SECRET,
        algorithm="HS256",
    )
    with pytest.raises(ValueError, match="not valid"):
        verify_token(SECRET, token)


@pytest.mark.parametrize(
    "sub", ["alice", "dev-counsellor", "pc_0a1b2c", "partner-gateway", "a.b@c"]
)
def test_logins_client_ids_and_service_names_pass(sub: str) -> None:
    assert verify_token(SECRET, mint_token(SECRET, sub=sub, role=Role.COUNSELLOR)).sub == sub
