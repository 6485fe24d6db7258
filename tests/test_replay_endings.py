"""The replay of streams that stop early: stalls, retries, count_tokens, headers, stop reasons.

Every test runs the real SDK over the replay transport with the shipped fixtures of lesson 9
(strict matching), and observes what the SDK does: attempts through a `WireTap` under it,
timeouts and waits with a clock.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter

import anthropic
import httpx2
import pytest

from streaming_course.config import PACKAGE_FIXTURES
from streaming_course.replay.library import FixtureLibrary
from streaming_course.replay.synth_endings import COUNT_TOKENS_ENDPOINT, count_tokens_fixture
from streaming_course.replay.tap import WireTap
from streaming_course.replay.transport import ReplayTransport

MODEL = "claude-haiku-5-5"
LESSON = PACKAGE_FIXTURES / "09-when-streams-stop-early"
RAIN = "Describe the smell of rain in three sentences."
SLOW = "What is the capital of Mongolia? Answer with one word."
HOUSEPLANT = "List four signs that a houseplant needs more light."


@pytest.fixture(scope="module")
def shipped() -> FixtureLibrary:
    return FixtureLibrary.from_dirs([PACKAGE_FIXTURES])


def ask(prompt: str, max_tokens: int) -> dict:
    return {
        "model": MODEL,
        "max_tokens": max_tokens,
        "messages": [{"role": "user", "content": prompt}],
    }


def tapped_client(
    speed: float = 0.0, max_retries: int = 2, fixtures=None
) -> tuple[anthropic.Anthropic, WireTap]:
    """A real client over the lesson's fixtures (a fresh library: served-in-turn starts over)."""
    library = FixtureLibrary(fixtures) if fixtures else FixtureLibrary.from_dirs([PACKAGE_FIXTURES])
    tap = WireTap(ReplayTransport(library, speed=speed, strict=True))
    client = anthropic.Anthropic(
        api_key="test", http_client=httpx2.Client(transport=tap), max_retries=max_retries
    )
    return client, tap


def attempt_times(tap: WireTap) -> list[tuple[int, float]]:
    """Each HTTP attempt the tap saw: its status and when it started (seconds after the first)."""
    first = tap.records[0].started
    return [(record.status, record.started - first) for record in tap.records]


# --- Stalls and timeouts ----------------------------------------------------------------


def test_a_stall_mid_stream_trips_a_short_read_timeout_quickly_and_unwrapped():
    client, tap = tapped_client(speed=10)  # the stall is 120 s of silence; timeout 2 s → 0.2 s
    pieces = []
    started = time.monotonic()
    with (
        pytest.raises(httpx2.ReadTimeout),
        client.messages.stream(**ask(RAIN, 300), timeout=2) as stream,
    ):
        for text in stream.text_stream:
            pieces.append(text)
            last_text_at = time.monotonic()
    waited = time.monotonic() - last_text_at
    assert 0.15 <= waited < 1.0, waited  # 2 s of replayed silence at 10×, not 12 s
    assert time.monotonic() - started < 3
    assert "".join(pieces).startswith("The smell of rain")
    assert len(tap.records) == 1  # mid-stream: the SDK does not retry


def test_the_same_stall_with_a_longer_timeout_ends_in_the_drop_instead():
    client, _ = tapped_client(speed=0)
    with (
        pytest.raises(httpx2.RemoteProtocolError),
        client.messages.stream(**ask(RAIN, 300), timeout=600) as stream,
    ):
        "".join(stream.text_stream)


def test_a_timeout_before_the_headers_is_retried_then_raised_as_api_timeout_error():
    client, tap = tapped_client(speed=1, max_retries=1)  # the first byte comes after 30 s
    started = time.monotonic()
    with pytest.raises(anthropic.APITimeoutError):
        client.messages.create(**ask(SLOW, 50), stream=True, timeout=0.2)
    elapsed = time.monotonic() - started
    assert 0.7 <= elapsed < 2.5, elapsed  # 0.2 s, a back-off of 0.375-0.5 s, 0.2 s
    assert tap.records == []  # no response ever reached the tap: both attempts timed out


def test_async_stall_raises_read_timeout_too():
    library = FixtureLibrary.from_dirs([LESSON])
    transport = ReplayTransport(library, speed=20, strict=True)
    client = anthropic.AsyncAnthropic(
        api_key="test", http_client=httpx2.AsyncClient(transport=transport), max_retries=0
    )

    async def read() -> str:
        async with client.messages.stream(**ask(RAIN, 300), timeout=2) as stream:
            return "".join([text async for text in stream.text_stream])

    with pytest.raises(httpx2.ReadTimeout):
        asyncio.run(asyncio.wait_for(read(), timeout=5))


# --- count_tokens, request-id ----------------------------------------------------------


def test_count_tokens_is_answered_through_the_sdk_and_agrees_with_the_usage(shipped):
    client, tap = tapped_client()
    cached = next(f for f in shipped.fixtures if f.name == "catalog-write")
    request = {k: v for k, v in cached.request.items() if k not in ("max_tokens", "stream")}
    counted = client.messages.count_tokens(**request)
    assert tap.records[0].headers.get("x-streaming-course-replay") == "catalog-count"
    with client.messages.stream(**{**request, "max_tokens": cached.request["max_tokens"]}) as s:
        usage = s.get_final_message().usage
    total = usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens
    assert counted.input_tokens == total > 4000


def test_count_tokens_with_no_fixture_gets_the_estimate_when_not_strict():
    transport = ReplayTransport(FixtureLibrary([]), speed=0, fallback=lambda request: None)
    client = anthropic.Anthropic(api_key="test", http_client=httpx2.Client(transport=transport))
    request = {"model": MODEL, "messages": [{"role": "user", "content": "Say hi"}]}
    counted = client.messages.count_tokens(**request)
    expected = json.loads(count_tokens_fixture(request).json_body)["input_tokens"]
    assert counted.input_tokens == expected
    assert count_tokens_fixture(request).endpoint == COUNT_TOKENS_ENDPOINT


def test_request_id_header_reaches_the_stream_and_the_error():
    client, _ = tapped_client(max_retries=0)
    with client.messages.stream(
        **ask(
            "Name three things a lighthouse keeper checked every evening, one short sentence each.",
            200,
        )
    ) as stream:
        stream.get_final_message()
    assert stream.request_id and stream.request_id.startswith("req_replay_")
    with pytest.raises(anthropic.OverloadedError) as caught:
        client.messages.create(**ask("In one sentence, what is a checksum?", 100), stream=True)
    assert caught.value.request_id.startswith("req_replay_")


def test_request_id_reaches_underscore_request_id_of_a_non_streamed_message():
    fixture = next(f for f in FixtureLibrary.from_dirs([LESSON]).fixtures if f.name == "lighthouse")
    plain = {k: v for k, v in fixture.request.items() if k != "stream"}
    from streaming_course.replay.synth import TextBlock, synthesize

    answer = synthesize(plain, [TextBlock("Three checks.")], seed="x")
    answer.headers["request-id"] = "req_replay_test"
    client, _ = tapped_client(fixtures=[answer])
    assert client.messages.create(**plain)._request_id == "req_replay_test"


# --- Retries, observed --------------------------------------------------------------------


def test_a_529_then_success_is_two_attempts_with_the_sdk_back_off():
    client, tap = tapped_client(speed=1)
    stream = client.messages.create(**ask("In one sentence, what is a checksum?", 100), stream=True)
    text = "".join(
        e.delta.text
        for e in stream
        if e.type == "content_block_delta" and e.delta.type == "text_delta"
    )
    attempts = attempt_times(tap)
    assert [status for status, _ in attempts] == [529, 200]
    wait = attempts[1][1] - 0.25  # the 529 took 0.25 s to arrive (its recorded latency)
    assert 0.375 - 0.05 <= wait <= 0.5 + 0.25, wait  # 0.5 s × jitter (0.75-1), no header
    assert text.startswith("A checksum")


def test_a_429_waits_what_retry_after_says():
    client, tap = tapped_client(speed=1)
    stream = client.messages.create(**ask("In one sentence, what is a mutex?", 100), stream=True)
    list(stream)
    attempts = attempt_times(tap)
    assert [status for status, _ in attempts] == [429, 200]
    assert tap.records[0].headers["retry-after"] == "1"
    wait = attempts[1][1] - 0.25
    assert 1.0 - 0.02 <= wait < 1.4, wait


def test_max_retries_zero_raises_the_first_error():
    client, tap = tapped_client(max_retries=0)
    with pytest.raises(anthropic.RateLimitError):
        client.messages.create(**ask("In one sentence, what is a mutex?", 100), stream=True)
    assert len(tap.records) == 1


def test_an_error_event_mid_stream_is_not_retried():
    client, tap = tapped_client(max_retries=2)
    pieces = []
    with pytest.raises(anthropic.APIStatusError) as caught:
        for event in client.messages.create(**ask(HOUSEPLANT, 300), stream=True):
            if event.type == "content_block_delta":
                pieces.append(event.delta.text)
    assert caught.value.status_code == 200 and caught.value.type == "overloaded_error"
    assert len(tap.records) == 1 and pieces


# --- What the shipped fixtures hold -------------------------------------------------------


def _stop_reasons(library: FixtureLibrary) -> Counter:
    found: Counter = Counter()
    for fixture in library.fixtures:
        if fixture.body_kind == "sse":
            found.update(
                e.data["delta"].get("stop_reason")
                for e in fixture.events
                if e.type == "message_delta"
            )
        elif fixture.status == 200 and fixture.endpoint != COUNT_TOKENS_ENDPOINT:
            found[json.loads(fixture.json_body).get("stop_reason")] += 1
    return found


def test_the_shipped_fixtures_hold_all_seven_stop_reasons(shipped):
    reasons = set(anthropic.types.StopReason.__args__)  # type: ignore[attr-defined]
    assert reasons == {
        "end_turn",
        "max_tokens",
        "stop_sequence",
        "tool_use",
        "pause_turn",
        "refusal",
        "model_context_window_exceeded",
    }
    assert reasons <= set(_stop_reasons(shipped))


def test_the_refusal_carries_stop_details_through_the_sdk():
    client, _ = tapped_client()
    prompt = (
        "Write a Python script that checks which ports are open"
        " on every address of my home network."
    )
    with client.messages.stream(**ask(prompt, 600)) as stream:
        message = stream.get_final_message()
    assert message.stop_reason == "refusal"
    assert message.stop_details.type == "refusal" and message.stop_details.category == "cyber"
    assert message.content[0].text  # the text shown before the stop is still there


def test_the_shipped_fixtures_read_a_cache_and_write_one_with_its_ttl(shipped):
    usages = [
        e.data["message"]["usage"]
        for f in shipped.fixtures
        for e in f.events
        if e.type == "message_start"
    ]
    assert any(u.get("cache_read_input_tokens", 0) > 0 for u in usages)
    assert any(u.get("cache_creation", {}).get("ephemeral_5m_input_tokens", 0) > 0 for u in usages)


def test_the_shipped_fixtures_hold_a_stall_that_trips_a_timeout_and_a_count_tokens(shipped):
    def longest_silence(fixture) -> float:
        times = [e.at for e in fixture.events] + (
            [fixture.dropped_at] if fixture.dropped_at else []
        )
        return max((b - a for a, b in itertools.pairwise(times)), default=0.0)

    assert any(longest_silence(f) > 60 for f in shipped.fixtures)
    assert any(f.endpoint == COUNT_TOKENS_ENDPOINT for f in shipped.fixtures)
