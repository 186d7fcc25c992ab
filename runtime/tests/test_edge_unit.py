"""Unit tests of the shared HTTP edge, tokens and retry policy (no stack needed)."""

import time
import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

import httpx
import jwt
import pytest
from fastapi import Depends, FastAPI
from hub_runtime.auth import Principal, Role, install, mint_token, requires, verify_token
from hub_runtime.consumer import RetryPolicy
from hub_runtime.errors import ConflictError
from hub_runtime.http import create_app, validation_reasons
from hub_runtime.validation_reasons import UNKNOWN_FIELD
from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)

SECRET = "unit-test-secret-0123456789abcdef0123"


class Note(BaseModel):
    count: int


Counsellor = Annotated[Principal, Depends(requires(Role.COUNSELLOR))]


def _app() -> FastAPI:
    app = create_app(
        service="demo", title="demo", description="", max_body_bytes=2048, readiness={}
    )
    install(app, SECRET)

    @app.post("/things")
    async def make(body: Note, who: Counsellor) -> dict[str, str]:
        if body.count < 0:
            raise ConflictError("a count below zero makes no sense", code="negative")
        return {"by": who.sub}

    return app


async def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t")


def _bearer(role: Role, **kw: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(SECRET, sub='alice', role=role, **kw)}"}  # type: ignore[arg-type]


async def test_health_is_open_and_apis_need_a_token() -> None:
    async with await _client() as client:
        assert (await client.get("/health")).status_code == 200
        response = await client.post("/things", json={"count": 1})
        assert response.status_code == 401
        assert response.json()["detail"] == "a bearer token is required"


async def test_wrong_role_is_forbidden_with_a_reason() -> None:
    async with await _client() as client:
        response = await client.post("/things", json={"count": 1}, headers=_bearer(Role.ADVOCACY))
        assert response.status_code == 403
        assert "advocacy" in response.json()["detail"]


async def test_right_role_passes() -> None:
    async with await _client() as client:
        response = await client.post("/things", json={"count": 1}, headers=_bearer(Role.COUNSELLOR))
        assert response.status_code == 200
        assert response.json() == {"by": "alice"}


async def test_invalid_body_gets_readable_reasons_without_echoing_input() -> None:
    async with await _client() as client:
        response = await client.post(
            "/things", json={"count": "Fatima Yusuf"}, headers=_bearer(Role.COUNSELLOR)
        )
        assert response.status_code == 422
        body = response.json()
        assert body["reasons"][0].startswith("count:")
        assert "Fatima" not in response.text


async def test_domain_refusal_is_a_4xx_with_the_reason() -> None:
    async with await _client() as client:
        response = await client.post(
            "/things", json={"count": -1}, headers=_bearer(Role.COUNSELLOR)
        )
        assert response.status_code == 409
        assert response.json() == {
            "error": "negative",
            "detail": "a count below zero makes no sense",
            "reasons": [],
        }


async def test_oversized_body_is_refused_with_413() -> None:
    async with await _client() as client:
        response = await client.post(
            "/things",
            content=b'{"count": 1, "pad": "' + b"x" * 4096 + b'"}',
            headers={**_bearer(Role.COUNSELLOR), "content-type": "application/json"},
        )
        assert response.status_code == 413


def test_tokens_expire_and_forgeries_fail() -> None:
    expired = mint_token(SECRET, sub="a", role=Role.ADMIN, ttl_seconds=-10)
    with pytest.raises(ValueError, match="expired"):
        verify_token(SECRET, expired)
    forged = jwt.encode(
        {"sub": "a", "role": "admin", "iss": "council-hub", "exp": int(time.time()) + 60},
        "another-secret-that-is-long-enough-0000",
        algorithm="HS256",
    )
    with pytest.raises(ValueError, match="not valid"):
        verify_token(SECRET, forged)


def test_partner_tokens_must_name_the_partner() -> None:
    with pytest.raises(ValueError, match="partner_id"):
        verify_token(SECRET, mint_token(SECRET, sub="p", role=Role.PARTNER))
    partner = uuid.uuid4()
    principal = verify_token(
        SECRET, mint_token(SECRET, sub="p", role=Role.PARTNER, partner_id=partner)
    )
    assert principal.partner_id == partner


def test_backoff_doubles_and_is_capped() -> None:
    policy = RetryPolicy(max_attempts=5, first_backoff=0.1, max_backoff=0.5)
    assert [policy.delay(n) for n in range(1, 6)] == [0.1, 0.2, 0.4, 0.5, 0.5]


# ---------------------------------------------------------------- reasons never echo the input

SECRET_NAME = "Zara Probe"
SECRET_PHONE = "+31612345678"


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Inner(_Strict):
    code: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None
    colour: Colour | None = None
    name: Annotated[str, StringConstraints(max_length=5)] | None = None
    tags: list[str] = Field(default_factory=list, max_length=1)
    count: int | None = None
    born_on: date | None = None
    ref: uuid.UUID | None = None


class Cat(_Strict):
    kind: Literal["cat"]
    inner: Inner | None = None


class Dog(_Strict):
    kind: Literal["dog"]
    name: str | None = None

    @model_validator(mode="after")
    def _no_self_reference(self) -> Self:
        if self.name is not None:
            raise ValueError(f"a dog cannot be called {self.name}")  # a careless validator
        return self


class Quiet(_Strict):
    a: int | None = None
    b: int | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if self.a is None and self.b is None:
            raise ValueError("give at least one of a, b")
        return self


class Move(_Strict):
    region: Colour | None = None
    place: Colour | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if self.region is None and self.place is None:
            raise ValueError("give at least one of region, place")
        return self


Pet = Annotated[Cat | Dog, Field(discriminator="kind")]


def _reasons_for(model: Any, body: object) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(model).validate_python(body)
    return validation_reasons(caught.value.errors())


def _assert_no_echo(reasons: list[str], *fragments: str) -> None:
    for fragment in fragments:
        assert all(fragment not in reason for reason in reasons), (fragment, reasons)


@pytest.mark.parametrize(
    ("body", "where", "what"),
    [
        ({"kind": f"{SECRET_NAME} {SECRET_PHONE}"}, "kind", "should be 'cat' or 'dog'"),  # tag
        ({"kind": "cat", "inner": {f"{SECRET_NAME} 1991-07-04": 1}}, "cat.inner", "unknown field"),
        (
            {"kind": "cat", "inner": {"code": SECRET_NAME}},
            "cat.inner.code",
            "its pattern is in the API description",
        ),
        ({"kind": "cat", "inner": {"colour": SECRET_NAME}}, "cat.inner.colour", "'red' or 'blue'"),
        ({"kind": "cat", "inner": {"name": SECRET_NAME}}, "cat.inner.name", "at most 5 characters"),
        (
            {"kind": "cat", "inner": {"tags": [SECRET_NAME, SECRET_PHONE]}},
            "cat.inner.tags",
            "at most 1 item",
        ),
        (
            {"kind": "cat", "inner": {"count": SECRET_PHONE + "x"}},
            "cat.inner.count",
            "whole number",
        ),
        ({"kind": "cat", "inner": {"born_on": "1991-07-4Z"}}, "cat.inner.born_on", "YYYY-MM-DD"),
        ({"kind": "cat", "inner": {"ref": "Zara-0000"}}, "cat.inner.ref", "should be a UUID"),
        ({"kind": "dog", "name": SECRET_NAME}, "dog", "not valid"),  # the validator quoted it
    ],
)
def test_reasons_name_the_field_and_the_rule_but_no_input(
    body: dict[str, Any], where: str, what: str
) -> None:
    reasons = _reasons_for(Pet, body)
    assert len(reasons) == 1, reasons
    assert reasons[0].startswith(f"{where}:"), reasons
    assert what in reasons[0], reasons
    _assert_no_echo(reasons, "Zara", "Probe", SECRET_PHONE, "1991", "07-04", "7-4Z", "0000")


def test_an_unknown_key_is_not_repeated() -> None:
    reasons = _reasons_for(Quiet, {"a": 1, f"{SECRET_NAME}": SECRET_PHONE})
    assert reasons == [f"body: {UNKNOWN_FIELD}"]


@pytest.mark.parametrize(
    "key",
    [
        "Zara",
        "zara probe",
        "zara@example.org",
        "+31612345678",
        "1991-07-04",
        "zaïra",
        "x" * 65,
        # Written like a field name, but a surname used as a key (the fifth new user's trial:
        # ``{"haddad": 1}`` was answered ``haddad: not a field of this request``).
        "haddad",
        "nickname",
        "nickName",
        "_private2",
    ],
)
def test_an_unknown_key_is_never_named_only_its_object(key: str) -> None:
    reasons = _reasons_for(Pet, {"kind": "cat", "inner": {key: "x"}})
    assert reasons == [f"cat.inner: {UNKNOWN_FIELD}"]
    _assert_no_echo(reasons, key)


def test_unknown_keys_at_the_top_give_one_reason_naming_the_body() -> None:
    body = {"a": 1, "haddad": SECRET_NAME, "nickname": [SECRET_PHONE]}
    reasons = _reasons_for(Quiet, body)
    assert reasons == [f"body: {UNKNOWN_FIELD}"]
    _assert_no_echo(reasons, "haddad", "nickname", "Zara", SECRET_PHONE)


def test_a_validator_sentence_without_input_is_kept() -> None:
    assert _reasons_for(Quiet, {}) == ["body: give at least one of a, b"]


def test_a_validator_sentence_naming_a_field_sent_as_null_is_kept() -> None:
    """The fifth trial: ``{"region": null}`` read "body: is not valid", because the sentence
    names the field the body has (a field name, not the input)."""
    assert _reasons_for(Move, {"region": None}) == ["body: give at least one of region, place"]
    assert _reasons_for(Move, {"region": None, "place": None}) == [
        "body: give at least one of region, place"
    ]
    # Its values are still compared: a validator that quotes one says only that it failed.
    assert _reasons_for(Pet, {"kind": "dog", "name": SECRET_NAME}) == ["dog: is not valid"]


async def test_reasons_over_http_never_echo_an_unknown_key_or_a_tag() -> None:
    app = create_app(
        service="demo", title="demo", description="", max_body_bytes=2048, readiness={}
    )

    @app.post("/pets")
    async def add(body: Pet) -> dict[str, str]:  # type: ignore[valid-type]
        return {"ok": "yes"}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for body in (
            {"kind": f"{SECRET_NAME} {SECRET_PHONE}"},
            {"kind": "cat", "inner": {f"{SECRET_NAME} 1991-07-04": 1}},
        ):
            response = await client.post("/pets", json=body)
            assert response.status_code == 422
            assert "Zara" not in response.text
            assert "1991" not in response.text
            assert SECRET_PHONE not in response.text
        for key in ("haddad", "body"):  # FastAPI's loc starts with "body": only that is cut
            body = {"kind": "cat", "inner": {key: SECRET_NAME}}
            response = await client.post("/pets", json=body)
            assert response.status_code == 422
            assert response.json()["error"] == "invalid_request"
            assert response.json()["reasons"] == [f"cat.inner: {UNKNOWN_FIELD}"]
            assert "Zara" not in response.text
            assert "haddad" not in response.text


class Visit(_Strict):
    day: date
    at: datetime
    who: Quiet
    urgent: bool = False


_VISIT = {"day": "2026-03-01", "at": "2026-03-01T09:30:00Z", "who": {"a": 1}}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # A trial was told "Input should be a valid date or datetime" for a day that does not
        # exist: now the format and that it must exist, in the hub's words only (the fourth
        # trial: the parser's own "(day value is outside expected range)" followed).
        (
            {"day": "2026-02-30"},
            "day: should be a day that exists, written YYYY-MM-DD (RFC 3339 full-date)",
        ),
        (
            {"at": "2026-02-30T09:30:00Z"},
            "at: should be a moment that exists, written as an RFC 3339 date-time with an offset,"
            " e.g. 2026-03-01T09:30:00Z",
        ),
        (
            {"day": "2026-3-1"},
            "day: should be a day that exists, written YYYY-MM-DD (RFC 3339 full-date)",
        ),
        # Python's words ("a valid dictionary or instance of Quiet") become JSON's.
        ({"who": ["a"]}, "who: should be a JSON object"),
        ({"who": None}, "who: should be a JSON object"),
        ({"day": None}, "day: should be a day, written YYYY-MM-DD (RFC 3339 full-date)"),
        ({"urgent": "maybe"}, "urgent: should be true or false"),
    ],
)
def test_reasons_say_what_is_expected_in_json_terms(change: dict[str, Any], expected: str) -> None:
    reasons = _reasons_for(Visit, {**_VISIT, **change})
    assert reasons == [expected]


def test_a_missing_field_is_required_by_its_path() -> None:
    assert _reasons_for(Visit, {"day": "2026-03-01", "who": {"b": 2}}) == ["at: is required"]


def test_a_parser_detail_is_left_out_even_one_quoting_the_input() -> None:
    error = {
        "type": "date_parsing",
        "loc": ("body", "day"),
        "input": f"{SECRET_NAME} 12",
        "ctx": {"error": f"cannot read {SECRET_NAME}"},
    }
    assert validation_reasons([error]) == [
        "day: should be a day that exists, written YYYY-MM-DD (RFC 3339 full-date)"
    ]


_URL = "should be an absolute URL with a scheme and a host, e.g. https://example.org/"


class _Colour(StrEnum):
    RED = "red"
    GREEN = "green"


@pytest.mark.parametrize(
    ("model", "value", "sentence"),
    [
        # the third trial's limit=-1, refused in pydantic's words ("Input should be ...")
        (Annotated[int, Field(ge=1)], -1, "body: should be 1 or more"),
        (Annotated[int, Field(le=500)], 501, "body: should be 500 or less"),
        (Annotated[int, Field(gt=0)], 0, "body: should be more than 0"),
        (Annotated[int, Field(lt=9)], 9, "body: should be less than 9"),
        # the fourth trial: pydantic's "Input should be 'advocacy' or 'admin'"
        (Literal["advocacy", "admin"], "nosuch", "body: should be 'advocacy' or 'admin'"),
        (Literal["client_credentials"], 5, "body: should be 'client_credentials'"),
        (_Colour, "purple", "body: should be 'red' or 'green'"),
        # the trial's taken_by: pydantic quoted the regular expression
        (
            Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")],
            "Zara Probe",
            "body: is not written in the form this field takes (its pattern is in the API"
            " description)",
        ),
        # the fifth trial: "url: Input should be a valid URL", "List should have at least 1
        # item" (pydantic's words, naming Python's types)
        (AnyHttpUrl, "Zara Probe", f"body: {_URL}"),
        (AnyHttpUrl, "https://", f"body: {_URL}"),
        (AnyHttpUrl, 5, "body: should be a URL written as a JSON string"),
        (
            AnyHttpUrl,
            "ftp://example.org/",
            "body: should be a URL whose scheme is 'http' or 'https'",
        ),
        (Annotated[list[int], Field(min_length=1)], [], "body: should have at least 1 item"),
        (Annotated[list[int], Field(min_length=2)], [1], "body: should have at least 2 items"),
        (Annotated[list[int], Field(max_length=1)], [1, 2], "body: should have at most 1 item"),
        (Annotated[str, Field(min_length=2)], "Z", "body: should have at least 2 characters"),
        (Annotated[str, Field(max_length=1)], "Za", "body: should have at most 1 character"),
        # the seventh trial: a secret's length read "should have at most 128 items"
        (Annotated[SecretStr, Field(max_length=1)], "Za", "body: should have at most 1 character"),
        (
            Annotated[SecretStr, Field(min_length=3)],
            "Za",
            "body: should have at least 3 characters",
        ),
        (set[int], 5, "body: should be a JSON array"),
        (None, 5, "body: should be null"),
    ],
)
def test_bounds_and_patterns_are_refused_in_the_hubs_words(
    model: Any, value: object, sentence: str
) -> None:
    assert _reasons_for(model, value) == [sentence]
