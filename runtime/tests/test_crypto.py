"""The shared field encryption: packing for one bytea column, and one KEK per service."""

import uuid

import pytest
from hub_runtime import crypto


def test_packed_round_trip() -> None:
    case = uuid.uuid4()
    key = crypto.new_person_key()
    sealed = crypto.encrypt_json(key, case, "review_reason", "Spoke with Zeldzame")
    packed = sealed.packed()
    assert b"Zeldzame" not in packed
    assert crypto.Sealed.unpacked(packed) == sealed
    assert crypto.decrypt_json(key, case, "review_reason", crypto.Sealed.unpacked(packed)) == (
        "Spoke with Zeldzame"
    )
    with pytest.raises(crypto.DecryptionError):
        crypto.Sealed.unpacked(packed[: crypto.NONCE_BYTES])


def test_each_service_context_derives_its_own_kek() -> None:
    case = uuid.uuid4()
    key = crypto.new_person_key()
    wrapped = crypto.wrap_key(crypto.derive_kek("one secret", context="referral"), key, case)
    with pytest.raises(crypto.DecryptionError):
        crypto.unwrap_key(crypto.derive_kek("one secret", context="casefile"), wrapped, case)
    assert crypto.unwrap_key(
        crypto.derive_kek("one secret", context="referral"), wrapped, case
    ) == (key)
