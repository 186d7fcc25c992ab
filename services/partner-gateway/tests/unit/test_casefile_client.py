"""The gateway's disclosure call to casefile on a real socket: an answer that is not the shape
casefile promises becomes `CasefileRefusedError` (the partner's 503/502 path), never an
exception that reaches the partner as a 500 after the disclosure was logged."""

import socket
import uuid
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from hub_contracts import DataCategory, PartnerType, Purpose
from partner_gateway.casefile_client import CasefileRefusedError, HttpCasefile
from partner_gateway.domain.model import Referral

SECRET = "s" * 32

REFERRAL = Referral(
    referral_id=uuid.uuid4(),
    case_id=uuid.uuid4(),
    partner_id=uuid.uuid4(),
    partner_type=PartnerType.NGO,
    purpose=Purpose.RETURN_COUNSELLING,
    data_categories=(DataCategory.IDENTITY,),
    consent_id=uuid.uuid4(),
)


@pytest.fixture
async def casefile_answering() -> AsyncIterator[dict[str, bytes]]:
    """A stand-in casefile on a loopback port; the test sets ``answer["body"]`` (status 200)."""
    answer = {"body": b"{}"}

    async def disclose(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=answer["body"], content_type="application/json")

    app = web.Application()
    app.router.add_post("/internal/disclosures", disclose)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    answer["url"] = f"http://127.0.0.1:{listening.getsockname()[1]}".encode()
    await web.SockSite(runner, listening).start()
    yield answer
    await runner.cleanup()


async def test_consented_categories_come_back(casefile_answering: dict[str, bytes]) -> None:
    casefile_answering["body"] = b'{"categories": {"identity": {"given_name": "A"}}}'
    client = HttpCasefile(casefile_answering["url"].decode(), SECRET, 5)
    try:
        assert await client.disclose(REFERRAL) == {"identity": {"given_name": "A"}}
    finally:
        await client.close()


@pytest.mark.parametrize(
    "body",
    [
        b'{"categories": {"identity": NaN}}',  # JSON's NaN cannot go into the partner's answer
        b'{"categories": {"identity": {"x": 1e999}}}',
        b'{"categories": {}, "categories": {"identity": {}}}',
        b"[1, 2]",
        b"<html>",
        b'{"categories": ["identity"]}',
    ],
)
async def test_an_answer_of_another_shape_is_refused_as_502(
    casefile_answering: dict[str, bytes], body: bytes
) -> None:
    casefile_answering["body"] = body
    client = HttpCasefile(casefile_answering["url"].decode(), SECRET, 5)
    try:
        with pytest.raises(CasefileRefusedError) as refused:
            await client.disclose(REFERRAL)
    finally:
        await client.close()
    assert refused.value.status == 502
