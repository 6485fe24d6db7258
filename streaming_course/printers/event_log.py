"""Print every event of a stream on one compact, colour-coded line.

    >>> print_events(client.messages.create(**request, stream=True))  # doctest: +SKIP
       0.512s  message_start           model=claude-haiku-5-5 input_tokens=12
       0.514s  content_block_start  0  text
       0.561s  content_block_delta  0  text_delta        'Hello'
       ...

Columns: seconds since the request, event type, content block index, delta type, and a
short view of what the event carries. Each type keeps one colour (ANSI codes, which
terminals and Jupyter both show); pass ``color=False`` for plain text.
"""

from __future__ import annotations

from typing import Any

from ..events import DERIVED_TYPES, AnyAsyncStream, AnyStream, StreamEvent, StreamOutcome
from .base import arun_printer, run_printer

COLORS = {
    "message_start": "35",  # magenta: the message's frame
    "message_delta": "35",
    "message_stop": "35",
    "content_block_start": "34",  # blue: a content block's frame
    "content_block_stop": "34",
    "content_block_delta": "32",  # green: the content itself
    **{derived: "90" for derived in DERIVED_TYPES},  # grey: repeats a delta (messages.stream)
}
"""ANSI colour code of each event type; other types (such as ``error``) are yellow."""
OTHER_COLOR = "33"
FAILURE_COLOR = "31"  # red: the line saying the stream did not complete

DELTA_FIELDS = {
    "text_delta": "text",
    "thinking_delta": "thinking",
    "input_json_delta": "partial_json",
    "signature_delta": "signature",
    "citations_delta": "citation",
}
"""Where each kind of delta keeps its content."""


def colored(text: str, code: str, enabled: bool = True) -> str:
    """`text` in the ANSI colour `code` (unchanged when not `enabled`).

    >>> colored("hi", "32")
    '\\x1b[32mhi\\x1b[0m'
    """
    return f"\x1b[{code}m{text}\x1b[0m" if enabled else text


def short(value: Any, width: int = 48) -> str:
    """`repr(value)`, cut to `width` characters with an ellipsis.

    >>> short("a long piece of text", width=10)
    "'a long p…"
    """
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def summary(event: StreamEvent) -> str:
    """A short view of what `event` carries, e.g. ``'Hello'`` or ``stop_reason=end_turn``."""
    raw = event.raw
    if event.type == "message_start":
        return f"model={raw.message.model} input_tokens={raw.message.usage.input_tokens}"
    if event.type == "content_block_start":
        block = raw.content_block
        return f"{block.type} {block.name}" if hasattr(block, "name") else block.type
    if event.type == "content_block_delta":
        return short(getattr(raw.delta, DELTA_FIELDS.get(event.delta_type or "", ""), raw.delta))
    if event.type == "message_delta":
        return f"stop_reason={raw.delta.stop_reason} output_tokens={raw.usage.output_tokens}"
    if event.type == "input_json":
        return f"{short(raw.partial_json, 24)} → {short(raw.snapshot, 40)}"
    if event.type in ("text", "thinking"):
        return f"snapshot: {len(raw.snapshot)} characters"
    if event.type == "content_block_stop" and hasattr(raw, "content_block"):
        return raw.content_block.type  # messages.stream() adds the finished block
    if event.type == "error":
        return short(getattr(raw, "error", raw))
    return ""


def event_line(event: StreamEvent, color: bool = True) -> str:
    """The line `print_events` shows for `event`."""
    index = "" if event.index is None else str(event.index)
    line = f"{event.at:8.3f}s  {event.type:<19} {index:>2}  {event.delta_type or '':<16}  "
    code = COLORS.get(event.type, OTHER_COLOR)
    return colored((line + summary(event)).rstrip(), code, color)


class EventLogPrinter:
    """Prints one line per event."""

    def __init__(self, color: bool = True) -> None:
        self.color = color

    def on_event(self, event: StreamEvent) -> None:
        print(event_line(event, self.color), flush=True)

    def finish(self, outcome: StreamOutcome) -> None:
        if not outcome.complete:
            print(colored(outcome.description, FAILURE_COLOR, self.color), flush=True)


def print_events(
    stream: AnyStream, *, color: bool = True, started: float | None = None
) -> StreamOutcome:
    """Print one line per event of `stream` as it arrives; return the outcome.

    >>> print_events(stream, color=False)  # doctest: +SKIP
       0.512s  message_start           model=claude-haiku-5-5 input_tokens=12
    """
    return run_printer(EventLogPrinter(color), stream, started=started)


async def aprint_events(
    stream: AnyAsyncStream, *, color: bool = True, started: float | None = None
) -> StreamOutcome:
    """The async twin of `print_events`."""
    return await arun_printer(EventLogPrinter(color), stream, started=started)
