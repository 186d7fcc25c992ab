"""Master-key versions (`hub_runtime.crypto.Keyring`): version 1 is the KEK used before
versions existed; each version unwraps only its own keys."""

from uuid import uuid4

import pytest
from hub_runtime import crypto


def test_version_one_is_the_kek_from_before_rotations() -> None:
    case = uuid4()
    key = crypto.new_person_key()
    legacy = crypto.wrap_key(crypto.derive_kek("master", context="casefile"), key, case)
    assert crypto.Keyring.of("casefile", "master").unwrap(1, legacy, case) == key


def test_a_rotation_keyring_unwraps_both_versions_and_wraps_under_the_new() -> None:
    case, key = uuid4(), crypto.new_person_key()
    old = crypto.Keyring.of("casefile", "old secret")
    version, wrapped_old = old.wrap(key, case)
    assert version == 1
    during = crypto.Keyring.of("casefile", "new secret", 2, previous_secret="old secret")
    assert during.unwrap(1, wrapped_old, case) == key
    version, wrapped_new = during.wrap(key, case)
    assert version == 2
    after = crypto.Keyring.of("casefile", "new secret", 2)
    assert after.unwrap(2, wrapped_new, case) == key
    with pytest.raises(crypto.UnknownKekVersionError):
        after.unwrap(1, wrapped_old, case)
    # A version's KEK is bound to its number: the old key claimed as version 2 does not open.
    with pytest.raises(crypto.DecryptionError):
        during.unwrap(2, wrapped_old, case)


def test_the_next_key_unwraps_before_the_switch() -> None:
    case, key = uuid4(), crypto.new_person_key()
    _, wrapped = crypto.Keyring.of("casefile", "new secret", 2).wrap(key, case)
    before = crypto.Keyring.of("casefile", "old secret", 1, next_secret="new secret")
    assert before.current == 1
    assert before.unwrap(2, wrapped, case) == key
