"""The stream being synthesized: its clock, token budget and faults, and JSON input pieces.

`synth.synthesize` writes a reply's events into a `_Stream`; the blocks of `synth` and
`synth_blocks` share it. A tool's JSON input streams the way real streams measured
(FACTS.md): pieces of a few characters (median 5, rarely over 11), the first one empty
(``partial_json: ""``); a tool without arguments sends only that empty piece.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from jiter import from_json

from .fixture import TimedEvent
from .synth_deltas import tokens


@dataclass(frozen=True)
class Pace:
    """How fast a class of model answers."""

    first_token: float  # seconds from the request to the first token
    per_token: float  # seconds between output tokens
    jitter: float = 0.35  # spread of each gap, as a fraction of it


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

    def wait_tokens(self, count: float) -> float:
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


def _fault_due(stream: _Stream) -> bool:
    return stream.fault is not None and stream.output_tokens >= stream.fault.after_tokens


def _emit_fault(stream: _Stream) -> None:
    fault = stream.fault
    assert fault is not None
    stream.stopped_by = fault.kind
    if fault.kind == "error":
        error = {"type": fault.error_type, "message": fault.message}
        stream.emit({"type": "error", "error": error}, at=stream.clock.wait(0.35))


# Sizes of the JSON pieces in characters, and how often each comes: median 5, 90th pct ≈ 11.
_PIECE_SIZES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 18)
_PIECE_WEIGHTS = (7, 9, 10, 11, 12, 10, 8, 6, 5, 4, 3, 2, 1)
# With eager input streaming the API passes on what the model writes without buffering it.
_EAGER_SIZES = (8, 12, 16, 24, 32, 40)
_EAGER_WEIGHTS = (2, 4, 5, 4, 3, 2)
# Output tokens a tool call costs beyond its JSON (its markup): a call with no arguments
# after one sentence of text came to 41 output tokens in a capture's shape.
TOOL_CALL_TOKENS = 24


def _emit_json_block(
    stream: _Stream,
    index: int,
    first: bool,
    start: dict[str, Any],
    value: dict[str, Any],
    eager: bool = False,
    held_back: bool = True,
) -> dict[str, Any]:
    """Emit a block whose input streams as JSON pieces; return it as the message keeps it.

    `eager`: bigger pieces, as eager input streaming sends them. `held_back`: the API checks
    the JSON before passing it on, so the first piece comes late and the rest quickly.
    """
    clock = stream.clock
    rng = clock.rng
    stream.emit(
        {"type": "content_block_start", "index": index, "content_block": start},
        at=clock.wait(0.002),
    )
    if first:
        stream.emit({"type": "ping"}, at=clock.wait(0.001))
    text = json.dumps(value, ensure_ascii=False) if value else ""
    stream.emit(_json_delta(index, ""), at=clock.wait(0.003))  # always first: an empty piece
    sizes, weights = (_EAGER_SIZES, _EAGER_WEIGHTS) if eager else (_PIECE_SIZES, _PIECE_WEIGHTS)
    pace = clock.pace.per_token
    if held_back and text:
        clock.wait(len(tokens(text)) * pace * 0.6)  # the API holds the JSON back a while
    sent = ""
    while len(sent) < len(text):
        if stream.budget() == 0:
            if _fault_due(stream):
                _emit_fault(stream)
            else:
                stream.stopped_by = "max_tokens"
            break
        piece = text[len(sent) : len(sent) + rng.choices(sizes, weights)[0]]
        count = max(len(tokens(piece)), 1)
        stream.output_tokens += min(count, stream.budget())
        at = clock.wait(count * pace * 0.4) if held_back else clock.wait_tokens(count)
        stream.emit(_json_delta(index, piece), at=at)
        sent += piece
    if stream.stopped_by in ("truncate", "disconnect", "error"):
        return {}
    block = dict(start)
    block["input"] = from_json(sent.encode(), partial_mode=True) if sent else {}
    if stream.stopped_by is None:  # the call's markup counts too, within the budget
        stream.output_tokens += min(TOOL_CALL_TOKENS + len(tokens(start["name"])), stream.budget())
    stream.emit({"type": "content_block_stop", "index": index}, at=clock.wait(0.002))
    return block


def _json_delta(index: int, piece: str) -> dict[str, Any]:
    delta = {"type": "input_json_delta", "partial_json": piece}
    return {"type": "content_block_delta", "index": index, "delta": delta}
