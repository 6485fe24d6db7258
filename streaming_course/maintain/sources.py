"""The course's shipped fixtures, written from reply texts kept in TOML files.

Each ``fixtures/sources/<group>.toml`` lists exchanges; ``streaming-course fixtures build``
turns every one into a fixture file ``fixtures/<group>/<name>.sse`` (streamed) or
``.http`` (not streamed, or an HTTP error). An exchange::

    [[exchange]]
    name = "haiku"                  # the file's name
    model = "default"               # "default", "large", or a model id
    max_tokens = 200
    stream = true                   # true, false, or "both" (writes both files)
    prompt = "Write a haiku about rivers."   # or: messages = [{role = "user", content = "…"}]
    request = { system = "Be brief." }       # other request fields, optional
    reply = "Water finds its way…"           # the text block
    reply_thinking = "…"                     # optional thinking block, before the text
    reply_tool = { name = "get_weather", input = { city = "Oslo" } }   # optional
    fault = { kind = "error", after_tokens = 40 }       # optional: error | truncate | disconnect
    http_error = { status = 529, type = "overloaded_error", message = "Overloaded",
                   retry_after_ms = 100 }               # optional, instead of a reply

Several exchanges with the same request are served in turn (a 429, then the answer).

A reply of several blocks, in order, instead of ``reply``/``reply_thinking``/``reply_tool``
(the kinds of `synth_blocks`: tool input streams in pieces of a few characters, the first
one empty, and a tool without arguments sends only that)::

    reply_blocks = [
      { type = "text", text = "I'll look both up." },
      { type = "tool_use", name = "get_weather", input = { city = "Oslo" } },  # id optional
      { type = "tool_use", name = "get_date", input = {} },   # sends one empty JSON piece
      { type = "tool_use", name = "save_note", input = { … }, eager = true },
                                    # eager: as with the tool's eager_input_streaming
      { type = "thinking", thinking = "…", signature = "…" },  # signature optional
      { type = "server_tool_use", name = "web_search", input = { query = "…" } },
      { type = "web_search_tool_result", results = [{ url = "…", title = "…", page_age = "…" }] },
      { type = "text", text = "…", citations = [{ url = "…", title = "…", cited_text = "…" }] },
    ]
    stop_reason = "pause_turn"      # optional; else tool_use when a tool_use block is there

A ``web_search_tool_result`` answers the ``server_tool_use`` before it, arrives whole, and
its pages count as input tokens: the reply's message_delta then resends ``input_tokens``,
with ``server_tool_use = {web_search_requests = n}``. A citation with a ``url`` is a web
search one (its type and encrypted index are filled in).

The next turn of a conversation names the exchange it continues::

    [[exchange]]
    name = "weather-answer"
    after = "weather-call"          # its messages + its reply (every block) as the assistant
    tool_results = ["12 °C, rain", { content = "unknown city", is_error = true }]
                                    # one per tool_use block, in order; or prompt = "…" for a
                                    # user message; or neither (continue a pause_turn)
    reply = "It is 12 °C in Oslo."  # model, max_tokens, stream, request: inherited

How a reply ends and what it carries besides its events (`synth_endings`)::

    request_id = true               # a `request-id` header; headers = { retry-after = "1" }
    stop_reason = "refusal"         # or model_context_window_exceeded, stop_sequence…
    stop_details = { type = "refusal", category = "cyber", explanation = "…" }
    usage = { input_tokens = 199000 }        # replaces the synthesized figures
    cache = "write"                 # or "read": the system prompt up to its cache_control
    prefill_delay = 0.6             # seconds more before the first byte (a long prompt)
    fault = { kind = "stall", after_tokens = 20, seconds = 120 }   # silence, then a drop
    endpoint = "count_tokens"       # instead of a reply: the answer to messages.count_tokens

    >>> planned = plan_fixtures(SOURCES_DIR)      # doctest: +SKIP
    >>> [path.name for path, fixture in planned][:2]    # doctest: +SKIP
    ['hello.sse', 'hello.http']
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..config import DEFAULT_LARGE_MODEL, DEFAULT_MODEL
from ..replay.fixture import Fixture
from ..replay.library import FIXTURE_SUFFIXES
from ..replay.synth import Block, TextBlock, ThinkingBlock, ToolUseBlock, http_error, synthesize
from ..replay.synth_blocks import blocks_from_source
from ..replay.synth_endings import count_tokens_fixture, fault_of, shape_fixture
from .converse_sources import build_converse_fixtures, outdated_converse_fixtures
from .source_files import SOURCES_DIR, outdated, plan_each, write_planned

MODEL_ALIASES = {"default": DEFAULT_MODEL, "large": DEFAULT_LARGE_MODEL}


def plan_fixtures(sources: Path = SOURCES_DIR) -> list[tuple[Path, Fixture]]:
    """Every fixture the sources describe, with the path it belongs at."""
    return plan_each("exchange", _plan_exchange, sources)


def _plan_exchange(
    exchange: dict[str, Any], group_dir: Path, earlier: dict[str, dict[str, Any]]
) -> list[tuple[Path, Fixture]]:
    exchange = earlier[exchange["name"]] = continued(exchange, earlier)  # earlier: for `after`
    return _fixtures_for(exchange, group_dir)


def build_all_fixtures() -> list[Path]:
    """Write the Messages API fixtures and the Bedrock Converse ones."""
    return build_fixtures() + build_converse_fixtures()


def all_outdated_fixtures() -> list[Path]:
    """`outdated_fixtures`, with the Bedrock Converse fixtures."""
    return outdated_fixtures() + outdated_converse_fixtures()


def build_fixtures(sources: Path = SOURCES_DIR) -> list[Path]:
    """Write every planned fixture; files no source describes any more are removed."""
    return write_planned(plan_fixtures(sources), suffixes=FIXTURE_SUFFIXES)


def outdated_fixtures(sources: Path = SOURCES_DIR) -> list[Path]:
    """Fixture files that differ from what their sources would write now (or are missing)."""
    return outdated(plan_fixtures(sources))


def _fixtures_for(exchange: dict[str, Any], group_dir: Path) -> list[tuple[Path, Fixture]]:
    name = exchange["name"]
    if exchange.get("endpoint") == "count_tokens":  # the answer to messages.count_tokens
        counted = count_tokens_fixture(_request({**exchange, "max_tokens": 0}, streamed=False))
        seed = f"{group_dir.name}/{name}"
        return [(group_dir / f"{name}.http", shape_fixture(counted, exchange, seed=seed))]
    stream = exchange.get("stream", True)
    variants = [True, False] if stream == "both" else [bool(stream)]
    results = []
    for streamed in variants:
        request = _request(exchange, streamed)
        suffix = ".sse" if streamed and "http_error" not in exchange else ".http"
        fixture = _response(exchange, request, seed=f"{group_dir.name}/{name}")
        fixture = shape_fixture(fixture, exchange, seed=f"{group_dir.name}/{name}{suffix}")
        results.append((group_dir / f"{name}{suffix}", fixture))
    return results


def _request(exchange: dict[str, Any], streamed: bool) -> dict[str, Any]:
    model = exchange.get("model", "default")
    request: dict[str, Any] = {
        "model": MODEL_ALIASES.get(model, model),
        "max_tokens": int(exchange["max_tokens"]),
    }
    if "messages" in exchange:
        request["messages"] = exchange["messages"]
    else:
        request["messages"] = [{"role": "user", "content": exchange["prompt"]}]
    request.update(exchange.get("request", {}))
    if streamed:
        request["stream"] = True
    return request


def _response(exchange: dict[str, Any], request: dict[str, Any], seed: str) -> Fixture:
    if "http_error" in exchange:
        error = exchange["http_error"]
        return http_error(
            request,
            status=int(error["status"]),
            error_type=error["type"],
            message=error["message"],
            retry_after_ms=error.get("retry_after_ms"),
        )
    fault = fault_of(exchange)  # Fault(**exchange["fault"]); a stall is shaped after
    return synthesize(
        request, _blocks(exchange), seed=seed, fault=fault, stop_reason=exchange.get("stop_reason")
    )


def _blocks(exchange: dict[str, Any]) -> list[Block]:
    if "reply_blocks" in exchange:
        return blocks_from_source(exchange["reply_blocks"])
    blocks: list[Block] = []
    if "reply_thinking" in exchange:
        blocks.append(ThinkingBlock(exchange["reply_thinking"]))
    if "reply" in exchange:
        citations = tuple(exchange.get("reply_citations", ()))
        blocks.append(TextBlock(exchange["reply"], citations=citations))
    if "reply_tool" in exchange:
        tool = exchange["reply_tool"]
        blocks.append(ToolUseBlock(name=tool["name"], input=tool["input"]))
    if not blocks:
        raise ValueError("an exchange needs reply, reply_thinking, reply_tool or http_error")
    return blocks


def continued(exchange: dict[str, Any], earlier: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """`exchange` with its ``after`` resolved: the earlier exchange's conversation, continued.

    The messages become the earlier request's, then its reply as the assistant turn (all its
    blocks, as the API needs them back), then a user turn of ``tool_results`` (one per
    ``tool_use`` block, in order) or of ``prompt``; with neither, the assistant turn is the
    last (a ``pause_turn`` continued). Model, max_tokens, stream and request fields are
    inherited unless the exchange gives its own.
    """
    if "after" not in exchange:
        return exchange
    before = earlier[exchange["after"]]
    assistant = json.loads(_response(before, _request(before, streamed=False), "").json_body)
    messages = [*_request(before, streamed=False)["messages"]]
    messages.append({"role": "assistant", "content": assistant["content"]})
    if "tool_results" in exchange:
        calls = [block for block in assistant["content"] if block["type"] == "tool_use"]
        if len(calls) != len(exchange["tool_results"]):
            raise ValueError(f"tool_results: {len(calls)} tool_use blocks to answer")
        results = [
            {"type": "tool_result", "tool_use_id": call["id"]}
            | (result if isinstance(result, dict) else {"content": result})
            for call, result in zip(calls, exchange["tool_results"], strict=True)
        ]
        messages.append({"role": "user", "content": results})
    elif "prompt" in exchange:
        messages.append({"role": "user", "content": exchange["prompt"]})
    inherited = {key: before[key] for key in ("model", "max_tokens", "stream") if key in before}
    request = {**before.get("request", {}), **exchange.get("request", {})}
    rest = {key: value for key, value in exchange.items() if key not in ("after", "prompt")}
    return {**inherited, **rest, "messages": messages, "request": request}
