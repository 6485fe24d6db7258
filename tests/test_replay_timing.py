"""The replay releases each event at its recorded time, scaled by the speed, sync and async."""

from __future__ import annotations

import asyncio
import time

import anthropic
import httpx2
import pytest

from streaming_course.replay.fixture import Fixture, TimedEvent
from streaming_course.replay.library import FixtureLibrary
from streaming_course.replay.synth import TextBlock, synthesize
from streaming_course.replay.transport import ReplayTransport

REQUEST = {
    "model": "claude-haiku-5-5",
    "max_tokens": 300,
    "stream": True,
    "messages": [{"role": "user", "content": "Count slowly."}],
}


def _fixture_with_known_offsets() -> Fixture:
    """A real stream whose events we re-time: TTFB 0.4 s, then uneven gaps, 1.2 s in all."""
    fixture = synthesize(REQUEST, [TextBlock("one, two, three, four, five, six")], seed="t")
    offsets = [0.40, 0.41, 0.42, 0.55, 0.60, 0.80, 0.81, 0.95, 1.10, 1.15, 1.18, 1.19, 1.20]
    events = list(fixture.events)
    assert len(events) <= len(offsets), len(events)
    fixture.events = [TimedEvent(at=offsets[i], wire=e.wire) for i, e in enumerate(events)]
    return fixture


def _client(fixture: Fixture, speed: float, async_: bool = False):
    transport = ReplayTransport(FixtureLibrary([fixture]), speed=speed, strict=True)
    if async_:
        return anthropic.AsyncAnthropic(
            api_key="x", http_client=httpx2.AsyncClient(transport=transport)
        )
    return anthropic.Anthropic(api_key="x", http_client=httpx2.Client(transport=transport))


def _expected(fixture: Fixture, speed: float) -> list[float]:
    """Offsets of the events the SDK yields (it drops pings), scaled by the speed."""
    return [e.at / speed for e in fixture.events if e.type != "ping"]


def _assert_close(measured: list[float], expected: list[float]) -> None:
    assert len(measured) == len(expected)
    for got, want in zip(measured, expected, strict=True):
        assert abs(got - want) <= max(0.05 * want, 0.020), (got, want)


@pytest.fixture(scope="module", autouse=True)
def _warm_up_the_sdk():
    """The SDK builds its event models lazily on first use (≈ 20 ms once per process)."""
    list(_client(_fixture_with_known_offsets(), 0).messages.create(**REQUEST))


@pytest.mark.parametrize("speed", [1.0, 4.0])
def test_sync_events_arrive_at_their_recorded_offsets(speed):
    fixture = _fixture_with_known_offsets()
    client = _client(fixture, speed)
    started = time.monotonic()
    arrivals = [time.monotonic() - started for _ in client.messages.create(**REQUEST)]
    _assert_close(arrivals, _expected(fixture, speed))


@pytest.mark.parametrize("speed", [1.0, 4.0])
def test_async_events_arrive_at_their_recorded_offsets(speed):
    fixture = _fixture_with_known_offsets()
    client = _client(fixture, speed, async_=True)

    async def arrivals() -> list[float]:
        started = time.monotonic()
        stream = await client.messages.create(**REQUEST)
        return [time.monotonic() - started async for _ in stream]

    _assert_close(asyncio.run(arrivals()), _expected(fixture, speed))


def test_speed_zero_is_instant():
    fixture = _fixture_with_known_offsets()
    client = _client(fixture, 0)
    started = time.monotonic()
    events = list(client.messages.create(**REQUEST))
    assert time.monotonic() - started < 0.2
    assert events[-1].type == "message_stop"


def test_stream_helpers_see_the_same_pace():
    """messages.stream() and text_stream run on the same paced bytes."""
    fixture = _fixture_with_known_offsets()
    client = _client(fixture, 2.0)
    request = {k: v for k, v in REQUEST.items() if k != "stream"}
    started = time.monotonic()
    with client.messages.stream(**request) as stream:
        first = next(iter(stream.text_stream))
        ttft = time.monotonic() - started
        rest = "".join(stream.text_stream)
    first_delta = next(e.at for e in fixture.events if e.type == "content_block_delta")
    assert abs(ttft - first_delta / 2) <= 0.02
    assert first + rest == "one, two, three, four, five, six"
