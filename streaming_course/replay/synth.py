"""Write fixtures from reply texts: the events and timing the API would have sent.

The course ships without anyone's API key, so its recordings are synthesized. The
synthesizer cuts a reply into deltas shaped like real ones (`synth_deltas`: lengths drawn
from the spread real streams show, some cuts inside words), wraps them in the events of the
Messages API in their real order (with the ``ping`` after the first block starts), keeps
the token usage consistent with the text, and times everything with a model of how fast
each class of model is:

=========  ==================  =====================  =================================
class      time to first token  per output token       anchored on
=========  ==================  =====================  =================================
small      ≈ 0.5 s              ≈ 7.4 ms (135 tok/s)   500 tokens in ≈ 4.2 s
medium     ≈ 0.9 s              ≈ 18 ms (55 tok/s)     between the two
large      ≈ 1.9 s              ≈ 45 ms (22 tok/s)     1,000 tokens in ≈ 47 s
=========  ==================  =====================  =================================

with a seeded jitter, so the same inputs always give the same file.

    >>> fixture = synthesize(
    ...     {"model": "claude-haiku-5-5", "max_tokens": 64, "stream": True,
    ...      "messages": [{"role": "user", "content": "Say hi"}]},
    ...     [TextBlock("Hi there!")],
    ... )
    >>> [event.type for event in fixture.events][:3]
    ['message_start', 'content_block_start', 'ping']
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from typing import Any, Protocol

from .fixture import Fixture
from .synth_deltas import TEXT, THINKING, Shape, cut, tokens
from .synth_stream import Fault, Pace, _Clock, _emit_fault, _emit_json_block, _fault_due, _Stream

__all__ = ["Fault", "Pace", "tokens"]  # re-exported: sources and tests use them from here


PACES = {
    "small": Pace(first_token=0.50, per_token=0.0074),
    "medium": Pace(first_token=0.90, per_token=0.018),
    "large": Pace(first_token=1.90, per_token=0.045),
}


def model_class(model: str) -> str:
    """`small`, `medium` or `large`, from a model id such as ``claude-haiku-5-5``."""
    if "haiku" in model:
        return "small"
    if "opus" in model:
        return "large"
    return "medium"


# --- Tokens: `synth_deltas.tokens` approximates a tokenizer ------------------------------


def count_input_tokens(request: dict[str, Any]) -> int:
    """An estimate of the input tokens a request uses."""
    texts = [_as_text(message.get("content")) for message in request.get("messages", [])]
    texts.append(_as_text(request.get("system")))
    texts += [json.dumps(tool) for tool in request.get("tools", [])]
    return sum(len(tokens(text)) for text in texts) + 4 * len(request.get("messages", [])) + 4


def _as_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return json.dumps(content, ensure_ascii=False)


# --- Content blocks ---------------------------------------------------------------------


@dataclass(frozen=True)
class TextBlock:
    text: str
    citations: tuple[dict[str, Any], ...] = ()  # sent as citations_delta at the block's end


@dataclass(frozen=True)
class ThinkingBlock:
    thinking: str
    signature: str = ""  # derived from the text when empty


@dataclass(frozen=True)
class ToolUseBlock:
    name: str
    input: dict[str, Any]
    id: str = ""  # derived when empty


class SelfEmittingBlock(Protocol):
    """A block that writes its own events (the kinds in `synth_blocks`)."""

    def emit(self, stream: _Stream, index: int, first: bool) -> dict[str, Any]: ...


Block = TextBlock | ThinkingBlock | ToolUseBlock | SelfEmittingBlock


def synthesize(
    request: dict[str, Any],
    blocks: list[Block],
    *,
    seed: str = "",
    fault: Fault | None = None,
    stop_reason: str | None = None,
    pace: Pace | None = None,
) -> Fixture:
    """A fixture answering `request` with `blocks`, streamed or not as the request asks.

    A reply longer than the request's ``max_tokens`` is cut there (stop reason
    ``max_tokens``), and a text that contains one of the request's ``stop_sequences`` is
    cut just before it (stop reason ``stop_sequence``), as the API does. `stop_reason`
    defaults to ``tool_use`` when a tool is called, else ``end_turn``.
    """
    blocks, matched_stop = _apply_stop_sequences(blocks, request.get("stop_sequences", []))
    if matched_stop is not None:
        stop_reason = "stop_sequence"
    elif stop_reason == "stop_sequence":
        matched_stop = (request.get("stop_sequences") or [None])[0]
    model = str(request.get("model", "claude-sonnet-5-5"))
    pace = pace or PACES[model_class(model)]
    rng = random.Random(_seed(seed, request))
    clock = _Clock(pace=pace, rng=rng)
    stream = _Stream(clock=clock, max_tokens=int(request.get("max_tokens", 1024)), fault=fault)
    message_id = "msg_replay_" + hashlib.sha256(f"{seed}{request}".encode()).hexdigest()[:20]
    input_tokens = count_input_tokens(request)
    usage = {
        "input_tokens": input_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": 1,
        "service_tier": "standard",
    }
    message = {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage,
    }
    stream.emit(
        {"type": "message_start", "message": message}, at=clock.wait(pace.first_token * 0.92)
    )
    final_blocks = []
    for index, block in enumerate(blocks):
        final_blocks.append(_emit_block(stream, index, block, first=index == 0))
        if stream.stopped_by:
            break
    if stream.stopped_by in ("truncate", "disconnect", "error"):
        return _faulted(request, stream)
    if stream.stopped_by == "max_tokens":
        stop_reason = "max_tokens"
    elif stop_reason is None:
        stop_reason = "tool_use" if any(isinstance(b, ToolUseBlock) for b in blocks) else "end_turn"
    stop_sequence = matched_stop if stop_reason == "stop_sequence" else None
    clock.wait(0.004)
    stream.emit(
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason, "stop_sequence": stop_sequence},
            "usage": _delta_usage(stream, usage),
        }
    )
    stream.emit({"type": "message_stop"}, at=clock.wait(0.001))
    if request.get("stream"):
        return Fixture(request=request, events=stream.events)
    message.update(
        content=final_blocks,
        stop_reason=stop_reason,
        stop_sequence=stop_sequence,
        usage={**usage, **_delta_usage(stream, usage)},
    )
    return Fixture(
        request=request,
        body_kind="json",
        json_body=json.dumps(message, ensure_ascii=False, indent=2),
        latency=round(clock.now + pace.first_token * 0.05, 3),
    )


def _apply_stop_sequences(
    blocks: list[Block], stop_sequences: list[str]
) -> tuple[list[Block], str | None]:
    """Cut the reply before the first stop sequence it contains, as the model would stop."""
    for number, block in enumerate(blocks):
        if not isinstance(block, TextBlock):
            continue
        found = [(block.text.find(s), s) for s in stop_sequences if s and s in block.text]
        if found:
            position, sequence = min(found)
            cut = TextBlock(block.text[:position], citations=block.citations)
            return [*blocks[:number], cut], sequence
    return blocks, None


def _emit_block(stream: _Stream, index: int, block: Block, first: bool) -> dict[str, Any]:
    """Emit one content block's events; return the block as it ends up in the message."""
    if hasattr(block, "emit"):  # the kinds of synth_blocks write their own events
        return block.emit(stream, index, first)
    if isinstance(block, ToolUseBlock):  # its JSON streams in pieces, as tools' input does
        tool_id = block.id or "toolu_replay_" + hashlib.sha256(block.name.encode()).hexdigest()[:16]
        start = {"type": "tool_use", "id": tool_id, "name": block.name, "input": {}}
        return _emit_json_block(stream, index, first, start, block.input)
    clock = stream.clock
    if isinstance(block, TextBlock):
        start: dict[str, Any] = {"type": "text", "text": ""}
        if block.citations:
            start["citations"] = []
        text, shape, delta_type, field_name = block.text, TEXT, "text_delta", "text"
    else:
        start = {"type": "thinking", "thinking": "", "signature": ""}
        text, shape, field_name = block.thinking, THINKING, "thinking"
        delta_type = "thinking_delta"
    stream.emit(
        {"type": "content_block_start", "index": index, "content_block": start},
        at=clock.wait(0.002),
    )
    if first:
        stream.emit({"type": "ping"}, at=clock.wait(0.001))
        clock.wait(stream.clock.pace.first_token * 0.08)
    sent = _emit_deltas(stream, index, text, shape, (delta_type, field_name))
    if stream.stopped_by in ("truncate", "disconnect", "error"):
        return {}
    result = dict(start)
    if isinstance(block, TextBlock):
        result["text"] = sent
        for citation in block.citations:
            delta = {"type": "citations_delta", "citation": citation}
            stream.emit(
                {"type": "content_block_delta", "index": index, "delta": delta},
                at=clock.wait(0.002),
            )
        if block.citations:
            result["citations"] = list(block.citations)
    else:
        signature = block.signature or hashlib.sha256(block.thinking.encode()).hexdigest()
        delta = {"type": "signature_delta", "signature": signature}
        stream.emit(
            {"type": "content_block_delta", "index": index, "delta": delta}, at=clock.wait(0.003)
        )
        result.update(thinking=sent, signature=signature)
    stream.emit({"type": "content_block_stop", "index": index}, at=clock.wait(0.002))
    return result


def _delta_usage(stream: _Stream, usage: dict[str, Any]) -> dict[str, Any]:
    """message_delta's usage: output tokens; input and server tool counts when they changed."""
    if not stream.added_input_tokens and not stream.usage_updates:
        return {"output_tokens": stream.output_tokens}
    resent = {name: usage[name] for name in usage if name.endswith("input_tokens")}
    resent["input_tokens"] += stream.added_input_tokens
    return {**resent, "output_tokens": stream.output_tokens, **stream.usage_updates}


def _emit_deltas(
    stream: _Stream, index: int, text: str, shape: Shape, kind: tuple[str, str]
) -> str:
    """Send `text` in deltas of `shape` until it, the token budget or the fault runs out."""
    delta_type, field_name = kind
    pieces = tokens(text)
    cut_short = stream.budget() < len(pieces)
    if cut_short:
        text = "".join(pieces[: stream.budget()])
    for piece in cut(text, shape, stream.clock.rng):
        stream.output_tokens += piece.tokens
        at = stream.clock.wait_tokens(max(piece.tokens, 0.5))
        delta = {"type": delta_type, field_name: piece.text}
        stream.emit({"type": "content_block_delta", "index": index, "delta": delta}, at=at)
    if cut_short:
        if _fault_due(stream):
            _emit_fault(stream)
        else:
            stream.stopped_by = "max_tokens"
    return text


def _faulted(request: dict[str, Any], stream: _Stream) -> Fixture:
    dropped_at = None
    if stream.stopped_by == "disconnect":
        dropped_at = round(stream.clock.wait(0.8), 3)
    return Fixture(request=request, events=stream.events, dropped_at=dropped_at)


def http_error(
    request: dict[str, Any],
    status: int,
    error_type: str,
    message: str,
    retry_after_ms: int | None = None,
    latency: float = 0.25,
) -> Fixture:
    """A fixture answering `request` with an HTTP error, e.g. 529 overloaded or 429 rate limit."""
    headers = {"retry-after-ms": str(retry_after_ms)} if retry_after_ms is not None else {}
    body = {"type": "error", "error": {"type": error_type, "message": message}}
    return Fixture(
        request=request,
        status=status,
        body_kind="json",
        headers=headers,
        json_body=json.dumps(body, indent=2),
        latency=latency,
    )


def _seed(seed: str, request: dict[str, Any]) -> int:
    digest = hashlib.sha256((seed + json.dumps(request, sort_keys=True)).encode()).hexdigest()
    return int(digest[:12], 16)
