"""Standard Webhooks signing and verification (the gateway signs, the simulator verifies)."""

import json

import pytest
from partner_gateway.domain.signing import (
    WebhookVerificationError,
    secret_from_bytes,
    sign,
    signature,
    verify,
)

SECRET = secret_from_bytes(bytes(range(32)))
OTHER = secret_from_bytes(bytes(range(1, 33)))
BODY = b'{"data":{"referral_id":"r1"},"type":"referral.ready"}'
NOW = 1_800_000_000


def test_matches_the_reference_vector_of_the_standard_webhooks_spec() -> None:
    # The example of the standard-webhooks reference libraries.
    assert (
        signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            b'{"test": 2432232314}',
        )
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_a_signed_message_verifies_and_yields_its_id() -> None:
    headers = sign([SECRET], "msg-1", NOW, BODY).as_dict()
    assert verify(SECRET, headers, BODY, now=NOW + 10) == "msg-1"


def test_a_forged_signature_is_rejected() -> None:
    headers = sign([OTHER], "msg-1", NOW, BODY).as_dict()
    with pytest.raises(WebhookVerificationError, match="no signature"):
        verify(SECRET, headers, BODY, now=NOW)


def test_a_body_reserialised_after_signing_is_rejected() -> None:
    headers = sign([SECRET], "msg-1", NOW, BODY).as_dict()
    same_json_other_bytes = json.dumps(json.loads(BODY), indent=1).encode()
    with pytest.raises(WebhookVerificationError):
        verify(SECRET, headers, same_json_other_bytes, now=NOW)


@pytest.mark.parametrize("skew", [-301, 301, 10_000])
def test_a_stale_or_future_timestamp_is_rejected(skew: int) -> None:
    headers = sign([SECRET], "msg-1", NOW, BODY).as_dict()
    with pytest.raises(WebhookVerificationError, match="tolerance"):
        verify(SECRET, headers, BODY, now=NOW + skew)


def test_a_changed_id_or_timestamp_breaks_the_signature() -> None:
    headers = sign([SECRET], "msg-1", NOW, BODY).as_dict()
    with pytest.raises(WebhookVerificationError):
        verify(SECRET, {**headers, "webhook-id": "msg-2"}, BODY, now=NOW)
    with pytest.raises(WebhookVerificationError):
        verify(SECRET, {**headers, "webhook-timestamp": str(NOW + 1)}, BODY, now=NOW)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_headers_are_rejected(missing: str) -> None:
    headers = sign([SECRET], "msg-1", NOW, BODY).as_dict()
    del headers[missing]
    with pytest.raises(WebhookVerificationError, match="missing"):
        verify(SECRET, headers, BODY, now=NOW)


def test_during_a_rotation_both_the_new_and_the_old_secret_verify() -> None:
    headers = sign([OTHER, SECRET], "msg-1", NOW, BODY).as_dict()
    assert headers["webhook-signature"].count("v1,") == 2
    assert verify(SECRET, headers, BODY, now=NOW) == "msg-1"
    assert verify(OTHER, headers, BODY, now=NOW) == "msg-1"


def test_secrets_have_the_whsec_form_and_enough_entropy() -> None:
    assert SECRET.startswith("whsec_")
    with pytest.raises(ValueError, match="24"):
        secret_from_bytes(b"short")
