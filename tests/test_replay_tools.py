"""Tool replies in replay: parallel calls, tools without arguments, server tools, pause_turn.

Each synthesized kind of block is read by the real SDK both ways (``messages.stream`` and
``create(stream=True)`` through `streaming_course.events`), and the two must agree; the
shipped fixtures must hold what lesson 08 teaches; and a whole tool loop must find its
recordings, turn after turn, with the history the SDK really sends.
"""

from __future__ import annotations

import json
import statistics
from typing import Any

import anthropic
import httpx2
import pytest

from streaming_course.config import PACKAGE_FIXTURES
from streaming_course.events import read_events
from streaming_course.maintain.sources import continued
from streaming_course.replay.fixture import Fixture
from streaming_course.replay.library import FixtureLibrary
from streaming_course.replay.synth import TextBlock, synthesize
from streaming_course.replay.synth_blocks import (
    ServerToolUseBlock,
    ToolCallBlock,
    WebSearchResultBlock,
    blocks_from_source,
)
from streaming_course.replay.transport import ReplayTransport
from tests.streams import client_for, request, without_stream

WEB_TOOLS = [{"type": "web_search_20250305", "name": "web_search", "max_uses": 3}]
SEARCH = ServerToolUseBlock("web_search", {"query": "Brest high tide Saturday"})
PAGES = ({"url": "https://tides.example/brest", "title": "Brest tides", "page_age": "2 days ago"},)
CITATION = {"url": PAGES[0]["url"], "title": "Brest tides", "cited_text": "High water 06:12."}


def _replies() -> dict[str, tuple[dict[str, Any], list[Any], str | None]]:
    """Requests and the blocks that answer them, one per kind of reply under test."""
    return {
        "parallel": (
            request("Oslo or Nairobi?", tools=[{"name": "get_weather", "input_schema": {}}]),
            [
                TextBlock("I'll check both."),
                ToolCallBlock(name="get_weather", input={"city": "Oslo"}),
                ToolCallBlock(name="get_weather", input={"city": "Nairobi"}),
            ],
            None,
        ),
        "no-arguments": (
            request("What day is it?", tools=[{"name": "get_date", "input_schema": {}}]),
            [ToolCallBlock(name="get_date", input={})],
            None,
        ),
        "eager": (
            request("Save a note", tools=[{"name": "save_note", "eager_input_streaming": True}]),
            [ToolCallBlock(name="save_note", input={"body": "Boots, socks. " * 20}, eager=True)],
            None,
        ),
        "web-search": (
            request("High tide in Brest?", tools=WEB_TOOLS),
            blocks_from_source(
                [
                    {"type": "text", "text": "I'll search."},
                    {"type": "server_tool_use", "name": "web_search", "input": SEARCH.input},
                    {"type": "web_search_tool_result", "results": list(PAGES)},
                    {"type": "text", "text": "High tide is "},
                    {"type": "text", "text": "at 06:12", "citations": [CITATION]},
                    {"type": "text", "text": "."},
                ]
            ),
            None,
        ),
        "pause-turn": (
            request("Ferry or plane?", tools=WEB_TOOLS),
            [SEARCH, WebSearchResultBlock(SEARCH.tool_id, PAGES)],
            "pause_turn",
        ),
    }


REPLIES = _replies()


def _fixture(kind: str) -> Fixture:
    req, blocks, stop_reason = REPLIES[kind]
    return synthesize(req, blocks, seed=kind, stop_reason=stop_reason)


def _events(fixture: Fixture, kind: str) -> list[dict[str, Any]]:
    return [event.data for event in fixture.events if event.type == kind]


def _json_deltas(fixture: Fixture) -> list[tuple[int, str]]:
    return [
        (data["index"], data["delta"]["partial_json"])
        for data in _events(fixture, "content_block_delta")
        if data["delta"]["type"] == "input_json_delta"
    ]


@pytest.mark.parametrize("kind", sorted(REPLIES))
def test_the_sdk_helper_and_the_course_reader_build_the_same_message(kind):
    fixture = _fixture(kind)
    client = client_for(fixture)
    with client.messages.stream(**without_stream(fixture.request)) as stream:
        helper_message = stream.get_final_message()
    reader = read_events(client.messages.create(**fixture.request))
    events = list(reader)
    assert reader.outcome.complete
    built = reader.outcome.message
    assert [b.to_dict() for b in built.content] == [b.to_dict() for b in helper_message.content]
    assert built.stop_reason == helper_message.stop_reason
    assert built.usage.to_dict(exclude_none=True) == helper_message.usage.to_dict(exclude_none=True)
    assert reader.outcome.text == "".join(
        block.text for block in helper_message.content if block.type == "text"
    )
    assert any(event.type == "message_stop" for event in events)


@pytest.mark.parametrize("kind", sorted(REPLIES))
def test_a_non_streamed_reply_has_the_blocks_the_stream_builds(kind):
    req, blocks, stop_reason = REPLIES[kind]
    plain = synthesize(without_stream(req), blocks, seed=kind, stop_reason=stop_reason)
    body = json.loads(plain.json_body)
    client = client_for(_fixture(kind))
    with client.messages.stream(**without_stream(req)) as stream:
        streamed = stream.get_final_message()
    assert body["content"] == [block.to_dict() for block in streamed.content]
    assert body["stop_reason"] == streamed.stop_reason
    assert body["usage"]["input_tokens"] == streamed.usage.input_tokens


def test_parallel_calls_stream_one_block_after_the_other_each_by_its_index():
    fixture = _fixture("parallel")
    starts = [d for d in _events(fixture, "content_block_start")]
    assert [s["content_block"]["type"] for s in starts] == ["text", "tool_use", "tool_use"]
    ids = {s["content_block"]["id"] for s in starts[1:]}
    assert len(ids) == 2  # two calls of one tool still have their own ids
    joined: dict[int, str] = {}
    for index, piece in _json_deltas(fixture):
        joined[index] = joined.get(index, "") + piece
    assert {i: json.loads(text) for i, text in joined.items()} == {
        1: {"city": "Oslo"},
        2: {"city": "Nairobi"},
    }
    assert _events(fixture, "message_delta")[0]["delta"]["stop_reason"] == "tool_use"


def test_a_tool_without_arguments_sends_one_empty_piece_and_the_sdk_keeps_an_empty_input():
    fixture = _fixture("no-arguments")
    assert _json_deltas(fixture) == [(0, "")]
    with client_for(fixture).messages.stream(**without_stream(fixture.request)) as stream:
        kinds = [(event.type, getattr(event, "partial_json", None)) for event in stream]
        message = stream.get_final_message()
    assert ("input_json", "") in kinds
    assert message.content[0].input == {}


def test_tool_json_arrives_in_small_pieces_each_block_starting_with_an_empty_one():
    fixture = _fixture("parallel")
    pieces = _json_deltas(fixture)
    firsts = {}
    for index, piece in pieces:
        firsts.setdefault(index, piece)
    assert set(firsts.values()) == {""}
    sizes = [len(piece) for _, piece in pieces if piece]
    assert 2 <= statistics.median(sizes) <= 8
    assert max(sizes) <= 18


def test_eager_input_streaming_sends_the_first_json_sooner_in_bigger_pieces():
    req, blocks, _ = REPLIES["eager"]
    buffered = synthesize(req, [ToolCallBlock(name=blocks[0].name, input=blocks[0].input)])
    eager = synthesize(req, blocks)

    def first_piece_at(fixture: Fixture) -> float:
        for event in fixture.events:
            data = event.data
            if event.type == "content_block_delta" and data["delta"]["partial_json"]:
                return event.at
        raise AssertionError("no JSON piece")

    assert first_piece_at(eager) < first_piece_at(buffered)
    assert len(_json_deltas(eager)) < len(_json_deltas(buffered))


def test_eager_json_cut_by_max_tokens_is_left_unfinished():
    req, blocks, _ = REPLIES["eager"]
    fixture = synthesize({**req, "max_tokens": 30}, blocks)
    raw = "".join(piece for _, piece in _json_deltas(fixture))
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw)
    with client_for(fixture).messages.stream(**without_stream(fixture.request)) as stream:
        message = stream.get_final_message()
    assert message.stop_reason == "max_tokens"
    assert message.usage.output_tokens == 30


def test_a_web_search_streams_its_query_its_results_arrive_whole_and_usage_counts_it():
    fixture = _fixture("web-search")
    starts = [d["content_block"] for d in _events(fixture, "content_block_start")]
    types = [block["type"] for block in starts]
    assert types == ["text", "server_tool_use", "web_search_tool_result", "text", "text", "text"]
    server_index = types.index("server_tool_use")
    query = "".join(piece for index, piece in _json_deltas(fixture) if index == server_index)
    assert json.loads(query) == SEARCH.input
    result = starts[2]
    assert result["tool_use_id"] == starts[1]["id"]
    assert [page["url"] for page in result["content"]] == [PAGES[0]["url"]]
    result_deltas = [d for d in _events(fixture, "content_block_delta") if d["index"] == 2]
    assert result_deltas == []
    (delta,) = _events(fixture, "message_delta")  # exactly one, as in real streams
    start_usage = _events(fixture, "message_start")[0]["message"]["usage"]
    assert delta["usage"]["input_tokens"] > start_usage["input_tokens"]
    assert delta["usage"]["server_tool_use"] == {"web_search_requests": 1}
    with client_for(fixture).messages.stream(**without_stream(fixture.request)) as stream:
        citations = [event.citation for event in stream if event.type == "citation"]
        message = stream.get_final_message()
    assert [c.type for c in citations] == ["web_search_result_location"]
    assert citations[0].url == PAGES[0]["url"]
    assert message.usage.input_tokens == delta["usage"]["input_tokens"]
    assert message.usage.server_tool_use.web_search_requests == 1


def test_a_paused_turn_continued_sends_the_assistant_blocks_back():
    earlier = {
        "search": {
            "name": "search",
            "max_tokens": 1024,
            "prompt": "Ferry or plane?",
            "request": {"tools": WEB_TOOLS},
            "stop_reason": "pause_turn",
            "reply_blocks": [
                {"type": "server_tool_use", "name": "web_search", "input": {"query": "ferry"}},
                {"type": "web_search_tool_result", "results": list(PAGES)},
            ],
        }
    }
    nxt = continued({"name": "answer", "after": "search", "reply": "The ferry."}, earlier)
    user, assistant = nxt["messages"]
    assert user == {"role": "user", "content": "Ferry or plane?"}
    assert [b["type"] for b in assistant["content"]] == [
        "server_tool_use",
        "web_search_tool_result",
    ]
    assert nxt["request"]["tools"] == WEB_TOOLS
    assert "stop_reason" not in nxt and "reply_blocks" not in nxt  # the reply is its own
    assert nxt["reply"] == "The ferry."


def test_tool_results_answer_the_tool_use_blocks_in_order_and_must_all_be_there():
    earlier = {
        "calls": {
            "name": "calls",
            "max_tokens": 1024,
            "prompt": "Oslo or Nairobi?",
            "reply_blocks": [
                {"type": "tool_use", "name": "get_weather", "input": {"city": "Oslo"}},
                {"type": "tool_use", "name": "get_weather", "input": {"city": "Nairobi"}},
            ],
        }
    }
    after = {"name": "answer", "after": "calls", "reply": "Nairobi."}
    nxt = continued(
        {**after, "tool_results": ["3 °C", {"content": "?", "is_error": True}]}, earlier
    )
    calls = nxt["messages"][1]["content"]
    results = nxt["messages"][2]["content"]
    assert [r["tool_use_id"] for r in results] == [c["id"] for c in calls]
    assert results[1] == {
        "type": "tool_result",
        "tool_use_id": calls[1]["id"],
        "content": "?",
        "is_error": True,
    }
    with pytest.raises(ValueError, match="2 tool_use blocks"):
        continued({**after, "tool_results": ["3 °C"]}, earlier)


def test_an_unknown_block_type_in_a_source_is_refused():
    with pytest.raises(ValueError, match="unknown block type 'video'"):
        blocks_from_source([{"type": "video"}])
    with pytest.raises(ValueError, match="needs a server_tool_use"):
        blocks_from_source([{"type": "web_search_tool_result", "results": []}])


# --- What the shipped fixtures hold ----------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> FixtureLibrary:
    return FixtureLibrary.from_dirs([PACKAGE_FIXTURES])


def _streamed(library: FixtureLibrary) -> list[Fixture]:
    return [f for f in library.fixtures if f.body_kind == "sse" and f.events]


def test_shipped_fixtures_hold_every_tool_shape_lesson_08_teaches(shipped):
    fixtures = _streamed(shipped)
    tool_result_requests = [
        f
        for f in shipped.fixtures
        for m in f.request.get("messages", [])
        if isinstance(m.get("content"), list)
        and any(block.get("type") == "tool_result" for block in m["content"])
    ]
    assert tool_result_requests

    def block_types(fixture: Fixture) -> list[str]:
        return [d["content_block"]["type"] for d in _events(fixture, "content_block_start")]

    assert any(block_types(f).count("tool_use") >= 2 for f in fixtures)
    assert any("server_tool_use" in block_types(f) for f in fixtures)
    assert any("" in [piece for _, piece in _json_deltas(f)] for f in fixtures)
    stops = {d["delta"]["stop_reason"] for f in fixtures for d in _events(f, "message_delta")}
    assert {"tool_use", "pause_turn"} <= stops


def _strict_client(library: FixtureLibrary) -> anthropic.Anthropic:
    transport = ReplayTransport(library, speed=0.0, strict=True)
    return anthropic.Anthropic(
        api_key="test", http_client=httpx2.Client(transport=transport), max_retries=0
    )


def test_a_whole_tool_loop_finds_every_turn_with_the_history_the_sdk_sends(shipped):
    """The loop of lesson 08, on its fixtures: Message.to_param() goes back as it is."""
    client = _strict_client(shipped)
    tools = json.loads(
        json.dumps(
            next(f for f in shipped.fixtures if f.name.endswith("warmer-1")).request["tools"]
        )
    )
    weather = {"Oslo": "3 °C, light snow", "Nairobi": "24 °C, scattered showers"}
    messages: list[Any] = [
        {"role": "user", "content": "Is it warmer in Oslo or in Nairobi right now?"}
    ]
    stop_reasons = []
    while True:
        with client.messages.stream(
            model="claude-haiku-5-5", max_tokens=1024, tools=tools, messages=messages
        ) as stream:
            message = stream.get_final_message()
        stop_reasons.append(message.stop_reason)
        messages.append(message.to_param())
        if message.stop_reason != "tool_use":
            break
        calls = [block for block in message.content if block.type == "tool_use"]
        results = [
            {"type": "tool_result", "tool_use_id": c.id, "content": weather[c.input["city"]]}
            for c in calls
        ]
        messages.append({"role": "user", "content": results})
    assert stop_reasons == ["tool_use", "end_turn"]
    assert "Nairobi is much warmer" in message.content[0].text


def test_a_paused_web_search_continues_with_the_raw_stream_too(shipped):
    client = _strict_client(shipped)
    first = next(f for f in shipped.fixtures if f.name.endswith("ferry-1"))
    req = without_stream(first.request)
    reader = read_events(client.messages.create(**req, stream=True))
    list(reader)
    paused = reader.outcome.message
    assert paused.stop_reason == "pause_turn"
    assert paused.usage.server_tool_use.web_search_requests == 2
    messages = [*req["messages"], {"role": "assistant", "content": paused.content}]
    with client.messages.stream(**{**req, "messages": messages}) as stream:
        answer = stream.get_final_message()
    assert answer.stop_reason == "end_turn"
    cited = [block for block in answer.content if block.type == "text" and block.citations]
    assert len(cited) == 2 and len(answer.content) > len(cited)
