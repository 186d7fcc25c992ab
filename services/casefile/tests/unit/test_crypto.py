"""Per-person keys, wrapping, and binding of ciphertexts to their case and category."""

import uuid

import pytest
from casefile.domain import crypto


def test_round_trip_and_binding_to_case_and_category() -> None:
    kek = crypto.derive_kek("master")
    key = crypto.new_person_key()
    case = uuid.uuid4()
    wrapped = crypto.wrap_key(kek, key, case)
    assert key not in wrapped.ciphertext
    assert crypto.unwrap_key(kek, wrapped, case) == key
    sealed = crypto.encrypt_json(key, case, "identity", {"name": "Zeldzame Naam"})
    assert b"Zeldzame" not in sealed.ciphertext
    assert crypto.decrypt_json(key, case, "identity", sealed) == {"name": "Zeldzame Naam"}
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_json(key, case, "contact", sealed)  # moved to another category
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_json(key, uuid.uuid4(), "identity", sealed)  # moved to another case
    with pytest.raises(crypto.DecryptionError):
        crypto.unwrap_key(crypto.derive_kek("other master"), wrapped, case)


def test_another_persons_key_cannot_open_a_ciphertext() -> None:
    case = uuid.uuid4()
    sealed = crypto.encrypt_json(crypto.new_person_key(), case, "contact", {"phone": "+31"})
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_json(crypto.new_person_key(), case, "contact", sealed)
