"""`events` reads every kind of stream the same way and says how each one ended."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import anthropic
import httpx2
import pytest

from streaming_course.events import (
    MessageBuilder,
    StreamOutcome,
    StreamTruncated,
    aread_events,
    read_events,
)
from streaming_course.replay.fixture import TimedEvent
from streaming_course.replay.synth import TextBlock, ThinkingBlock, ToolUseBlock, synthesize
from tests.streams import (
    TEXT_REQUEST,
    async_client_for,
    client_for,
    request,
    text_fixture,
    without_stream,
)

DELTAS = ["Hel", "lo, ", "wor", "ld!"]
CITATION = {
    "type": "char_location",
    "cited_text": "The sky is blue.",
    "document_index": 0,
    "document_title": "Facts",
    "start_char_index": 0,
    "end_char_index": 16,
}


def read_raw(fixture, req=TEXT_REQUEST, **options):
    reader = read_events(client_for(fixture).messages.create(**req), **options)
    return list(reader), reader.outcome


def read_helper(fixture, req=TEXT_REQUEST):
    with client_for(fixture).messages.stream(**without_stream(req)) as stream:
        reader = read_events(stream)
        return list(reader), reader.outcome


async def aread_raw(fixture, req=TEXT_REQUEST):
    stream = await async_client_for(fixture).messages.create(**req)
    reader = aread_events(stream)
    return [event async for event in reader], reader.outcome


async def aread_helper(fixture, req=TEXT_REQUEST):
    async with async_client_for(fixture).messages.stream(**without_stream(req)) as stream:
        reader = aread_events(stream)
        return [event async for event in reader], reader.outcome


READERS = {
    "raw": read_raw,
    "helper": read_helper,
    "async raw": lambda fixture: asyncio.run(aread_raw(fixture)),
    "async helper": lambda fixture: asyncio.run(aread_helper(fixture)),
}


@pytest.mark.parametrize("kind", READERS)
def test_a_complete_stream_gives_its_text_message_and_usage(kind):
    events, outcome = READERS[kind](text_fixture(DELTAS))
    assert outcome.ending == "complete" and outcome.complete and outcome.error is None
    assert outcome.text == "".join(event.text for event in events) == "Hello, world!"
    assert outcome.message.content[0].text == "Hello, world!"
    assert outcome.stop_reason == "end_turn"
    assert (outcome.usage.input_tokens, outcome.usage.output_tokens) == (12, len(DELTAS))
    assert [event.at for event in events] == sorted(event.at for event in events)


def test_raw_events_come_one_for_one_without_pings():
    events, _ = read_raw(text_fixture(DELTAS))
    assert [event.type for event in events] == [
        "message_start",
        "content_block_start",
        *["content_block_delta"] * len(DELTAS),
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    delta = events[2]
    assert (delta.index, delta.delta_type, delta.text, delta.derived) == (
        0,
        "text_delta",
        "Hel",
        False,
    )
    assert isinstance(delta.raw, anthropic.types.RawContentBlockDeltaEvent)


def test_derived_events_carry_their_block_index_and_no_text_of_their_own():
    events, outcome = read_helper(text_fixture(DELTAS))
    derived = [event for event in events if event.derived]
    assert [event.type for event in derived] == ["text"] * len(DELTAS)
    assert all(event.index == 0 and event.text == "" for event in derived)
    assert isinstance(outcome.message, anthropic.types.Message)


def test_event_times_count_from_the_given_start():
    earlier = time.perf_counter() - 10.0
    events, _ = read_raw(text_fixture(DELTAS), started=earlier)
    assert all(10.0 <= event.at < 11.0 for event in events)


def _mixed_request():
    return request("Weather in Paris?", max_tokens=400)


def _mixed_fixture():
    blocks = [
        ThinkingBlock("The user wants the weather; I should call the tool."),
        TextBlock("The sky is blue.", citations=(CITATION,)),
        ToolUseBlock("get_weather", {"city": "Paris", "days": [1, 2, 3]}),
    ]
    return synthesize(_mixed_request(), blocks, seed="mixed")


def test_the_builder_gives_the_same_message_as_the_sdk_helper():
    _, raw = read_raw(_mixed_fixture(), _mixed_request())
    _, helper = read_helper(_mixed_fixture(), _mixed_request())
    sdk_message = helper.message.model_dump(exclude={"content": {1: {"parsed_output"}}})
    assert raw.message.model_dump() == sdk_message
    assert raw.message.content[2].input == {"city": "Paris", "days": [1, 2, 3]}
    assert raw.message.content[1].citations[0].cited_text == "The sky is blue."


def test_usage_counts_are_running_totals_that_replace_each_other():
    fixture = text_fixture(DELTAS)
    extra = TimedEvent(
        at=0.0,
        wire='event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":null,'
        '"stop_sequence":null},"usage":{"output_tokens":3}}\n',
    )
    position = [event.type for event in fixture.events].index("message_delta")
    fixture.events.insert(position, extra)
    for read in (read_raw, read_helper):
        _, outcome = read(fixture)
        assert outcome.usage.output_tokens == len(DELTAS)  # the last total, not 3 + 4
        assert outcome.usage.input_tokens == 12  # from message_start, never resent


def test_a_partial_tool_input_is_parsed_as_far_as_it_goes():
    builder = MessageBuilder()
    for event in client_for(_mixed_fixture()).messages.create(**_mixed_request()):
        builder.add(event)
        if event.type == "content_block_delta" and event.delta.type == "input_json_delta":
            partial = builder.message().content[2].input
            assert isinstance(partial, dict)
    assert builder.message().content[2].input["city"] == "Paris"


FAILURES = {
    "error": ("error_event", anthropic.APIStatusError, "overloaded_error"),
    "disconnect": ("dropped", httpx2.RemoteProtocolError, "RemoteProtocolError"),
    "truncate": ("truncated", StreamTruncated, "message_stop"),
}


@pytest.mark.parametrize("kind", READERS)
@pytest.mark.parametrize("fault", FAILURES)
def test_a_broken_stream_keeps_what_arrived_and_says_how_it_ended(kind, fault):
    ending, error_type, named = FAILURES[fault]
    _, outcome = READERS[kind](text_fixture(DELTAS, fault=fault))
    assert (outcome.ending, outcome.complete) == (ending, False)
    assert isinstance(outcome.error, error_type)
    assert outcome.text == outcome.message.content[0].text == "Hello, world!"
    assert outcome.stop_reason is None
    assert named in outcome.description and "13" in outcome.description
    assert "\n" not in outcome.description


def test_an_error_event_keeps_the_api_error_type():
    _, outcome = read_raw(text_fixture(DELTAS, fault="error"))
    assert outcome.error.status_code == 200
    assert outcome.error.type == "overloaded_error"


def test_a_stream_with_no_message_start_has_no_message():
    fixture = text_fixture([], fault="truncate")
    fixture.events = []
    for read in (read_raw, read_helper):
        events, outcome = read(fixture)
        assert (events, outcome.ending, outcome.message, outcome.text) == (
            [],
            "truncated",
            None,
            "",
        )


def test_leaving_the_loop_early_stops_the_stream_and_closes_it():
    stream = client_for(text_fixture(DELTAS)).messages.create(**TEXT_REQUEST)
    reader = read_events(stream)
    for event in reader:
        if event.text == "lo, ":
            break
    assert reader.outcome.ending == "stopped"
    assert reader.outcome.text == "Hello, "
    assert stream.response.is_closed


def test_leaving_an_async_loop_early_stops_the_stream():
    async def main():
        stream = await async_client_for(text_fixture(DELTAS)).messages.create(**TEXT_REQUEST)
        reader = aread_events(stream)
        async for event in reader:
            if event.text:
                break
        return reader.outcome

    outcome = asyncio.run(main())
    assert (outcome.ending, outcome.text) == ("stopped", "Hel")


class Interrupted:
    """A stream whose reading is interrupted (as by Ctrl-C) after `count` events."""

    def __init__(self, events, count):
        self.events, self.count, self.closed = events, count, False

    def __iter__(self):
        yield from self.events[: self.count]
        raise KeyboardInterrupt

    def close(self):
        self.closed = True


def test_an_interrupt_is_noted_as_stopped_and_raised_again():
    events = list(client_for(text_fixture(DELTAS)).messages.create(**TEXT_REQUEST))
    stream = Interrupted(events, count=3)
    reader = read_events(stream)
    with pytest.raises(KeyboardInterrupt):
        list(reader)
    assert (reader.outcome.ending, reader.outcome.text, stream.closed) == ("stopped", "Hel", True)


def test_other_errors_are_not_swallowed():
    def broken():
        yield from client_for(text_fixture(DELTAS)).messages.create(**TEXT_REQUEST)
        raise ValueError("a bug, not a stream failure")

    with pytest.raises(ValueError):
        list(read_events(broken()))


def test_what_is_not_a_stream_is_refused_with_a_hint():
    client = client_for(text_fixture(DELTAS))
    with pytest.raises(TypeError, match="as stream"):
        read_events(client.messages.stream(**without_stream(TEXT_REQUEST)))
    with pytest.raises(TypeError, match="got int"):
        read_events(42)
    async_stream = asyncio.run(
        async_client_for(text_fixture(DELTAS)).messages.create(**TEXT_REQUEST)
    )
    with pytest.raises(TypeError, match="aprint_text"):
        read_events(async_stream)
    with pytest.raises(TypeError, match=r"e\.g\. print_text"):
        aread_events(client.messages.create(**TEXT_REQUEST))


def test_a_finished_message_is_a_complete_outcome():
    message = read_raw(text_fixture(DELTAS))[1].message
    outcome = StreamOutcome.of_message(message)
    assert (outcome.ending, outcome.text, outcome.usage) == (
        "complete",
        "Hello, world!",
        message.usage,
    )


def test_descriptions_follow_the_learners_language(monkeypatch):
    monkeypatch.setenv("STREAMING_COURSE_LANG", "ja")
    _, outcome = read_raw(text_fixture(DELTAS, fault="disconnect"))
    assert "接続が切れました" in outcome.description


@pytest.mark.parametrize("kind", READERS)
@pytest.mark.parametrize("fault", [None, *FAILURES])
def test_the_outcome_keeps_each_piece_of_text_when_it_arrived(kind, fault):
    """The one measurer: the figures every helper reads are the events' own times."""
    events, outcome = READERS[kind](text_fixture(DELTAS, fault=fault, gap=0.01))
    texts = [(event.at, event.text) for event in events if event.text]
    assert [tuple(piece) for piece in outcome.pieces] == texts
    assert [piece.text for piece in outcome.pieces] == DELTAS
    assert outcome.first_text_at == texts[0][0]
    assert outcome.elapsed >= events[-1].at >= outcome.first_text_at
    tokens = outcome.usage.output_tokens
    assert outcome.tokens_per_second == pytest.approx(tokens / outcome.elapsed)


def test_a_stream_without_text_has_no_first_text():
    fixture = text_fixture([], fault="truncate")
    _, outcome = read_raw(fixture)
    assert (outcome.pieces, outcome.first_text_at) == ((), None)
    assert outcome.elapsed is not None
    assert StreamOutcome("stopped", None, "", None).tokens_per_second == 0.0  # nothing known


def test_a_finished_message_is_one_piece_at_the_end():
    message = read_raw(text_fixture(DELTAS))[1].message
    outcome = StreamOutcome.of_message(message, elapsed=1.5)
    assert [tuple(piece) for piece in outcome.pieces] == [(1.5, "Hello, world!")]
    assert outcome.first_text_at == 1.5
    assert outcome.tokens_per_second == message.usage.output_tokens / 1.5


def test_every_reader_catches_the_one_list_of_what_can_fail():
    from streaming_course import conversation, handlers
    from streaming_course.events import Reading
    from streaming_course.failures import API_FAILURES

    assert Reading.FAILURES is API_FAILURES is conversation.REQUEST_FAILURES
    source = Path(handlers.__file__).read_text(encoding="utf-8")
    assert source.count("except API_FAILURES") == 2 and "REQUEST_FAILURES" not in source
    assert issubclass(anthropic.APIStatusError, API_FAILURES)  # an `event: error`
    assert issubclass(httpx2.RemoteProtocolError, API_FAILURES)  # a drop mid-stream


def test_the_converse_reader_shares_the_endings_and_the_measuring():
    from streaming_course.bedrock.adapter import ConverseEvents

    def stream(stop: bool):
        yield {"messageStart": {"role": "assistant"}}
        for text in DELTAS:
            time.sleep(0.01)
            yield {"contentBlockDelta": {"delta": {"text": text}, "contentBlockIndex": 0}}
        if stop:
            yield {"messageStop": {"stopReason": "end_turn"}}
            yield {"metadata": {"usage": {"inputTokens": 9, "outputTokens": 4}}}

    reader = ConverseEvents({"stream": stream(stop=True)}, model="m")
    events = list(reader)
    outcome = reader.outcome
    assert outcome.ending == "complete" and outcome.text == "Hello, world!"
    assert [tuple(piece) for piece in outcome.pieces] == [
        (event.at, event.text) for event in events if event.text
    ]
    assert outcome.tokens_per_second == pytest.approx(4 / outcome.elapsed)
    cut = ConverseEvents(stream(stop=False), model="m")
    assert "".join(event.text for event in cut) == "Hello, world!"
    assert cut.outcome.ending == "truncated" and isinstance(cut.outcome.error, StreamTruncated)
    assert "messageStop" in cut.outcome.description
