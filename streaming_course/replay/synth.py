"""Write fixtures from reply texts: the events and timing the API would have sent.

The course ships without anyone's API key, so its recordings are synthesized. The
synthesizer cuts a reply into deltas of 1 to 8 tokens, wraps them in the events of the
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
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from .fixture import Fixture, TimedEvent


@dataclass(frozen=True)
class Pace:
    """How fast a class of model answers."""

    first_token: float  # seconds from the request to the first token
    per_token: float  # seconds between output tokens
    jitter: float = 0.35  # spread of each gap, as a fraction of it


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


# --- Tokens -------------------------------------------------------------------------------
# An approximation of a tokenizer, good enough for usage counts and delta sizes: a short run
# of letters (with its leading space), up to three digits, or a single other character
# (punctuation, a kana, a kanji, an emoji). Joined together, the pieces give back the text.
_TOKEN = re.compile(r" ?[A-Za-z]{1,6}| ?[0-9]{1,3}|[^\sA-Za-z0-9]|\s+")


def tokens(text: str) -> list[str]:
    """Cut `text` into token-like pieces; ``"".join(tokens(t)) == t``."""
    return _TOKEN.findall(text)


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


@dataclass(frozen=True)
class Fault:
    """Something that goes wrong after `after_tokens` output tokens.

    ``error``: an `event: error` (``error_type``, e.g. overloaded_error) ends the stream;
    ``truncate``: the body just ends, with no message_stop; ``disconnect``: the connection drops.
    """

    kind: str
    after_tokens: int
    error_type: str = "overloaded_error"
    message: str = "Overloaded"


@dataclass
class _Clock:
    """Hands out the arrival time of each event; the gaps follow the model's pace."""

    pace: Pace
    rng: random.Random
    now: float = 0.0

    def wait_tokens(self, count: int) -> float:
        gap = count * self.pace.per_token
        self.now += gap * self.rng.uniform(1 - self.pace.jitter, 1 + self.pace.jitter)
        return self.now

    def wait(self, seconds: float) -> float:
        self.now += seconds
        return self.now


@dataclass
class _Stream:
    """The events being written, with the output token budget and the fault to inject."""

    clock: _Clock
    max_tokens: int
    fault: Fault | None
    events: list[TimedEvent] = field(default_factory=list)
    output_tokens: int = 0
    stopped_by: str | None = None  # "max_tokens" or the fault's kind
    added_input_tokens: int = 0  # e.g. search results read: message_delta resends input_tokens
    usage_updates: dict[str, Any] = field(default_factory=dict)  # e.g. server_tool_use counts

    def emit(self, payload: dict[str, Any], at: float | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        wire = f"event: {payload['type']}\ndata: {data}\n"
        self.events.append(TimedEvent(at=round(self.clock.now if at is None else at, 3), wire=wire))

    def budget(self) -> int:
        """How many more tokens may be sent before the limit or the fault."""
        limit = self.max_tokens
        if self.fault is not None:
            limit = min(limit, self.fault.after_tokens)
        return max(limit - self.output_tokens, 0)


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
    clock = stream.clock
    if isinstance(block, TextBlock):
        start: dict[str, Any] = {"type": "text", "text": ""}
        if block.citations:
            start["citations"] = []
        pieces, delta_type, field_name = tokens(block.text), "text_delta", "text"
    elif isinstance(block, ThinkingBlock):
        start = {"type": "thinking", "thinking": "", "signature": ""}
        pieces, delta_type, field_name = tokens(block.thinking), "thinking_delta", "thinking"
    else:
        tool_id = block.id or "toolu_replay_" + hashlib.sha256(block.name.encode()).hexdigest()[:16]
        start = {"type": "tool_use", "id": tool_id, "name": block.name, "input": {}}
        pieces = tokens(json.dumps(block.input, ensure_ascii=False))
        delta_type, field_name = "input_json_delta", "partial_json"
    stream.emit(
        {"type": "content_block_start", "index": index, "content_block": start},
        at=clock.wait(0.002),
    )
    if first:
        stream.emit({"type": "ping"}, at=clock.wait(0.001))
        clock.wait(stream.clock.pace.first_token * 0.08)
    sent = _emit_deltas(stream, index, pieces, delta_type, field_name)
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
    elif isinstance(block, ThinkingBlock):
        signature = block.signature or hashlib.sha256(block.thinking.encode()).hexdigest()
        delta = {"type": "signature_delta", "signature": signature}
        stream.emit(
            {"type": "content_block_delta", "index": index, "delta": delta}, at=clock.wait(0.003)
        )
        result.update(thinking=sent, signature=signature)
    else:
        result["input"] = json.loads(sent) if stream.stopped_by is None else {}
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
    stream: _Stream, index: int, pieces: list[str], delta_type: str, field_name: str
) -> str:
    """Send `pieces` in deltas of 1 to 8 tokens until they, the budget or the fault run out."""
    rng = stream.clock.rng
    sent = ""
    position = 0
    while position < len(pieces):
        budget = stream.budget()
        if budget == 0:
            if _fault_due(stream):
                _emit_fault(stream)
            else:
                stream.stopped_by = "max_tokens"
            break
        size = min(
            rng.choices(range(1, 9), weights=(9, 14, 12, 9, 6, 4, 3, 2))[0],
            budget,
            len(pieces) - position,
        )
        chunk = "".join(pieces[position : position + size])
        position += size
        stream.output_tokens += size
        at = stream.clock.wait_tokens(size)
        delta = {"type": delta_type, field_name: chunk}
        stream.emit({"type": "content_block_delta", "index": index, "delta": delta}, at=at)
        sent += chunk
    return sent


def _fault_due(stream: _Stream) -> bool:
    return stream.fault is not None and stream.output_tokens >= stream.fault.after_tokens


def _emit_fault(stream: _Stream) -> None:
    fault = stream.fault
    assert fault is not None
    stream.stopped_by = fault.kind
    if fault.kind == "error":
        error = {"type": fault.error_type, "message": fault.message}
        stream.emit({"type": "error", "error": error}, at=stream.clock.wait(0.35))


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
