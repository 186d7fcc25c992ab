"""The process entry's event loop and HTTP parser (issue 16): uvloop and httptools by default,
the standard library's loop and h11 when the settings ask for them."""

import asyncio

import pytest
import uvloop
from hub_runtime.entry import loop_factory
from hub_runtime.settings import HubSettings


def test_a_service_process_runs_on_uvloop_by_default() -> None:
    factory = loop_factory(HubSettings())
    assert factory is uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        assert isinstance(runner.get_loop(), uvloop.Loop)


def test_hub_event_loop_asyncio_gives_the_standard_loop_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUB_EVENT_LOOP", "asyncio")
    monkeypatch.setenv("HUB_HTTP_PARSER", "h11")
    settings = HubSettings()
    assert loop_factory(settings) is None  # asyncio.Runner's default loop
    assert settings.http_parser == "h11"
    assert HubSettings.model_fields["http_parser"].default == "httptools"
