"""`StreamHandler` calls its callbacks in the documented order, and `on_end` exactly once."""

from __future__ import annotations

import asyncio

import anthropic
import httpx2
import pytest

from streaming_course.events import StreamTruncated
from streaming_course.handlers import StreamHandler
from streaming_course.replay.synth import (
    TextBlock,
    ThinkingBlock,
    ToolUseBlock,
    http_error,
    synthesize,
)
from tests.streams import (
    TEXT_REQUEST,
    async_client_for,
    client_for,
    request,
    text_fixture,
    without_stream,
)

DELTAS = ["Hel", "lo"]


class Recorder(StreamHandler):
    """Notes every call as a short tuple; keeps errors when `handle_errors`."""

    def __init__(self, handle_errors: bool = True) -> None:
        self.calls: list[tuple] = []
        self.handle_errors = handle_errors

    def on_stream_event(self, event):
        self.calls.append(("event", event.type))

    def on_text(self, text, snapshot):
        self.calls.append(("text", text, snapshot))

    def on_thinking(self, thinking, snapshot):
        self.calls.append(("thinking", thinking, snapshot))

    def on_input_json(self, partial_json, snapshot):
        self.calls.append(("input_json", partial_json, snapshot))

    def on_citation(self, citation):
        self.calls.append(("citation", citation.cited_text))

    def on_content_block(self, block):
        self.calls.append(("block", block.type))

    def on_message(self, message):
        self.calls.append(("message", message.stop_reason))

    def on_exception(self, error):
        self.calls.append(("exception", type(error).__name__))
        if not self.handle_errors:
            super().on_exception(error)

    def on_timeout(self):
        self.calls.append(("timeout",))

    def on_end(self):
        self.calls.append(("end",))

    def names(self) -> list[str]:
        return [call[0] for call in self.calls]


def run_sync(handler, fixture, req=TEXT_REQUEST):
    return handler.run(client_for(fixture).messages.stream(**without_stream(req)))


def run_async(handler, fixture, req=TEXT_REQUEST):
    async def main():
        manager = async_client_for(fixture).messages.stream(**without_stream(req))
        return await handler.arun(manager)

    return asyncio.run(main())


RUNS = {"sync": run_sync, "async": run_async}


@pytest.mark.parametrize("run", RUNS)
def test_a_text_stream(run):
    handler = Recorder()
    message = RUNS[run](handler, text_fixture(DELTAS))
    assert handler.calls == [
        ("event", "message_start"),
        ("event", "content_block_start"),
        ("event", "content_block_delta"),
        ("event", "text"),
        ("text", "Hel", "Hel"),
        ("event", "content_block_delta"),
        ("event", "text"),
        ("text", "lo", "Hello"),
        ("event", "content_block_stop"),
        ("block", "text"),
        ("event", "message_delta"),
        ("event", "message_stop"),
        ("message", "end_turn"),
        ("end",),
    ]
    assert message.content[0].text == "Hello"
    assert handler.outcome.complete


TOOL_REQUEST = request("Weather in Paris?", max_tokens=400)


@pytest.mark.parametrize("run", RUNS)
def test_a_tool_use_stream(run):
    fixture = synthesize(TOOL_REQUEST, [ToolUseBlock("get_weather", {"city": "Paris"})])
    handler = Recorder()
    message = RUNS[run](handler, fixture, TOOL_REQUEST)
    pieces = [call for call in handler.calls if call[0] == "input_json"]
    assert "".join(piece[1] for piece in pieces) == '{"city": "Paris"}'
    assert pieces[-1][2] == {"city": "Paris"}  # the snapshot is parsed as it grows
    for position, call in enumerate(handler.calls):
        if call[0] == "input_json":  # each comes after its raw delta and its own event
            assert handler.calls[position - 2 : position] == [
                ("event", "content_block_delta"),
                ("event", "input_json"),
            ]
    assert handler.calls[-6:] == [
        ("event", "content_block_stop"),
        ("block", "tool_use"),
        ("event", "message_delta"),
        ("event", "message_stop"),
        ("message", "tool_use"),
        ("end",),
    ]
    assert message.content[0].input == {"city": "Paris"}


@pytest.mark.parametrize("run", RUNS)
def test_a_thinking_stream(run):
    req = request("Think first.", max_tokens=400)
    fixture = synthesize(req, [ThinkingBlock("Let me see."), TextBlock("Yes.")])
    handler = Recorder()
    RUNS[run](handler, fixture, req)
    order = [call[0] if call[0] != "block" else f"block:{call[1]}" for call in handler.calls]
    compact = [name for name in order if name != "event"]
    assert compact[0] == "thinking" and compact[-2:] == ["message", "end"]
    first_text = compact.index("text")
    assert set(compact[:first_text]) == {"thinking", "block:thinking"}
    assert compact[first_text - 1] == "block:thinking"  # the thinking block ends before text
    assert ("event", "signature") in handler.calls
    thinking = [call for call in handler.calls if call[0] == "thinking"]
    assert thinking[-1][2] == "Let me see."


FAILURES = {
    "error": "APIStatusError",
    "disconnect": "RemoteProtocolError",
    "truncate": "StreamTruncated",
}


@pytest.mark.parametrize("run", RUNS)
@pytest.mark.parametrize("fault", FAILURES)
def test_a_failure_goes_to_on_exception_then_on_end_once(run, fault):
    handler = Recorder()
    message = RUNS[run](handler, text_fixture(DELTAS, fault=fault))
    assert handler.calls[-2:] == [("exception", FAILURES[fault]), ("end",)]
    assert handler.names().count("end") == 1 and "message" not in handler.names()
    assert message.content[0].text == "Hello"  # the partial message
    assert not handler.outcome.complete


@pytest.mark.parametrize("run", RUNS)
@pytest.mark.parametrize(
    ("fault", "error_type"),
    [
        ("error", anthropic.APIStatusError),
        ("disconnect", httpx2.RemoteProtocolError),
        ("truncate", StreamTruncated),
    ],
)
def test_an_unhandled_failure_is_raised_after_on_end(run, fault, error_type):
    handler = Recorder(handle_errors=False)
    with pytest.raises(error_type):
        RUNS[run](handler, text_fixture(DELTAS, fault=fault))
    assert handler.calls[-2:] == [("exception", error_type.__name__), ("end",)]


def test_a_request_refused_before_streaming_reaches_on_exception():
    fixture = http_error(TEXT_REQUEST, 529, "overloaded_error", "Overloaded")
    handler = Recorder()
    assert run_sync(handler, fixture) is None
    assert handler.calls == [("exception", "OverloadedError"), ("end",)]


class TimingOut(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    def handle_request(self, request):
        raise httpx2.ReadTimeout("timed out", request=request)

    async def handle_async_request(self, request):
        raise httpx2.ReadTimeout("timed out", request=request)


def test_a_timeout_calls_on_timeout_then_on_exception_sync_and_async():
    sync_client = anthropic.Anthropic(
        api_key="test", http_client=httpx2.Client(transport=TimingOut()), max_retries=0
    )
    handler = Recorder()
    handler.run(sync_client.messages.stream(**without_stream(TEXT_REQUEST)))
    assert handler.calls == [("timeout",), ("exception", "APITimeoutError"), ("end",)]

    async_client = anthropic.AsyncAnthropic(
        api_key="test", http_client=httpx2.AsyncClient(transport=TimingOut()), max_retries=0
    )
    handler = Recorder()
    asyncio.run(handler.arun(async_client.messages.stream(**without_stream(TEXT_REQUEST))))
    assert handler.calls == [("timeout",), ("exception", "APITimeoutError"), ("end",)]


def test_an_entered_stream_is_accepted_too():
    client = client_for(text_fixture(DELTAS))
    handler = Recorder()
    with client.messages.stream(**without_stream(TEXT_REQUEST)) as stream:
        message = handler.run(stream)
    assert message.content[0].text == "Hello" and handler.calls[-1] == ("end",)


def test_a_bug_in_a_callback_propagates_after_on_end():
    class Buggy(Recorder):
        def on_text(self, text, snapshot):
            raise ZeroDivisionError

    handler = Buggy()
    with pytest.raises(ZeroDivisionError):
        run_sync(handler, text_fixture(DELTAS))
    assert handler.calls[-1] == ("end",) and "exception" not in handler.names()


def test_async_callbacks_are_awaited_in_arun_and_refused_in_run():
    class Async(Recorder):
        async def on_text(self, text, snapshot):
            await asyncio.sleep(0)
            self.calls.append(("async text", text))

    handler = Async()
    run_async(handler, text_fixture(DELTAS))
    assert [call for call in handler.calls if call[0] == "async text"] == [
        ("async text", "Hel"),
        ("async text", "lo"),
    ]
    handler = Async()
    with pytest.raises(TypeError, match="arun"):
        run_sync(handler, text_fixture(DELTAS))
    assert handler.calls[-1] == ("end",)


def test_a_raw_stream_is_refused_with_a_hint():
    handler = Recorder()
    stream = client_for(text_fixture(DELTAS)).messages.create(**TEXT_REQUEST)
    with pytest.raises(TypeError, match=r"messages\.stream"):
        handler.run(stream)
    assert handler.calls == [("end",)]


def test_the_sdk_no_longer_takes_an_event_handler():
    client = client_for(text_fixture(DELTAS))
    with pytest.raises(TypeError):
        client.messages.stream(**without_stream(TEXT_REQUEST), event_handler=StreamHandler)
