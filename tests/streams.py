"""Test helpers: real SDK clients that serve streams we build in memory.

Every client here is the real `anthropic` client over the replay transport and a wire tap,
exactly as `make_client()` builds it, with strict matching and no retries:

    >>> client = client_for(text_fixture(["Hel", "lo"]))
    >>> stream = client.messages.create(**TEXT_REQUEST)
    >>> [event.type for event in stream][:2]
    ['message_start', 'content_block_start']

`text_fixture` takes the exact list of text deltas to send, so a test can try any split of a
text; `synthesize` (from `streaming_course.replay.synth`) covers thinking, tools and faults.
"""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx2

from streaming_course.replay.fixture import Fixture, TimedEvent
from streaming_course.replay.library import FixtureLibrary
from streaming_course.replay.tap import WireTap
from streaming_course.replay.transport import ReplayTransport

MODEL = "claude-haiku-5-5"


def request(prompt: str = "Hello", *, stream: bool = True, **fields: Any) -> dict[str, Any]:
    """A Messages API request with one user turn (the form fixtures are matched on)."""
    return {
        "model": MODEL,
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": prompt}],
        "stream": stream,
        **fields,
    }


TEXT_REQUEST = request()
"""The request `text_fixture` answers by default."""


def without_stream(req: dict[str, Any]) -> dict[str, Any]:
    """`req` without its ``stream`` flag, as `client.messages.stream(**...)` wants it."""
    return {name: value for name, value in req.items() if name != "stream"}


def client_for(*fixtures: Fixture, speed: float = 0.0) -> anthropic.Anthropic:
    """A real client whose requests are answered by `fixtures` (strict replay, no retries)."""
    transport = WireTap(ReplayTransport(FixtureLibrary(fixtures), speed=speed, strict=True))
    return anthropic.Anthropic(
        api_key="test", http_client=httpx2.Client(transport=transport), max_retries=0
    )


def async_client_for(*fixtures: Fixture, speed: float = 0.0) -> anthropic.AsyncAnthropic:
    """The async twin of `client_for`."""
    transport = WireTap(ReplayTransport(FixtureLibrary(fixtures), speed=speed, strict=True))
    return anthropic.AsyncAnthropic(
        api_key="test", http_client=httpx2.AsyncClient(transport=transport), max_retries=0
    )


def text_fixture(
    deltas: list[str],
    *,
    req: dict[str, Any] | None = None,
    fault: str | None = None,
    gap: float = 0.0,
) -> Fixture:
    """A stream of one text block sent as exactly `deltas`, then `fault` if one is given.

    `fault` is ``"error"`` (an overloaded `event: error`), ``"truncate"`` (the body ends
    without message_stop) or ``"disconnect"`` (the connection drops). `gap` spaces the
    events that many seconds apart, starting at `gap`.
    """
    events = _EventList(gap)
    events.add("message_start", message=_message_start(req or TEXT_REQUEST))
    events.add("content_block_start", index=0, content_block={"type": "text", "text": ""})
    events.add("ping")
    for delta in deltas:
        events.add("content_block_delta", index=0, delta={"type": "text_delta", "text": delta})
    if fault == "error":
        events.add("error", error={"type": "overloaded_error", "message": "Overloaded"})
    if fault is None:
        events.add("content_block_stop", index=0)
        stop = {"stop_reason": "end_turn", "stop_sequence": None}
        events.add("message_delta", delta=stop, usage={"output_tokens": max(len(deltas), 1)})
        events.add("message_stop")
    dropped_at = events.clock + gap if fault == "disconnect" else None
    return Fixture(request=req or TEXT_REQUEST, events=events.timed, dropped_at=dropped_at)


class _EventList:
    """Events written one after another, `gap` seconds apart."""

    def __init__(self, gap: float) -> None:
        self.gap = gap
        self.clock = 0.0
        self.timed: list[TimedEvent] = []

    def add(self, event_type: str, **fields: Any) -> None:
        self.clock += self.gap
        data = json.dumps({"type": event_type, **fields}, ensure_ascii=False)
        self.timed.append(TimedEvent(at=self.clock, wire=f"event: {event_type}\ndata: {data}\n"))


def _message_start(req: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": req.get("model", MODEL),
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 12, "output_tokens": 1},
    }
