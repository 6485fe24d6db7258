"""Print a reply's text while it streams: delta by delta, or whole line by whole line.

    >>> print_text(client.messages.create(**request, stream=True))  # doctest: +SKIP
    Hello! How can I help you today?
    >>> print_lines(stream)                                         # doctest: +SKIP

The text comes out exactly as sent, with `end` (a newline, like `print`) after it. If
the stream breaks, what arrived stays on screen, followed by one line saying what happened.
"""

from __future__ import annotations

from ..events import AnyAsyncStream, AnyStream, StreamEvent, StreamOutcome
from .base import arun_printer, print_ending, run_printer


class TextPrinter:
    """Prints each text delta the moment it arrives."""

    def __init__(self, end: str = "\n") -> None:
        self.end = end

    def on_event(self, event: StreamEvent) -> None:
        if event.text:
            print(event.text, end="", flush=True)

    def finish(self, outcome: StreamOutcome) -> None:
        if outcome.complete:
            print(end=self.end, flush=True)
        else:
            print_ending(outcome, at_line_start=outcome.text.endswith("\n") or not outcome.text)


class LinePrinter:
    """Holds text back until a line is whole, then prints the line."""

    def __init__(self, end: str = "\n") -> None:
        self.end = end
        self.pending = ""  # the start of a line whose end has not arrived

    def on_event(self, event: StreamEvent) -> None:
        if "\n" in event.text:
            lines, _, self.pending = (self.pending + event.text).rpartition("\n")
            print(lines, flush=True)
        else:
            self.pending += event.text

    def finish(self, outcome: StreamOutcome) -> None:
        if outcome.complete:
            print(self.pending, end=self.end, flush=True)
            return
        if self.pending:
            print(self.pending)
        print_ending(outcome, at_line_start=True)


def print_text(
    stream: AnyStream, *, end: str = "\n", started: float | None = None
) -> StreamOutcome:
    """Print the text of `stream` as it arrives; return the outcome (`.text`, `.complete`...).

    >>> result = print_text(client.messages.create(**request, stream=True))  # doctest: +SKIP
    Hello! How can I help you today?
    >>> result.ending                                                         # doctest: +SKIP
    'complete'
    """
    return run_printer(TextPrinter(end), stream, started=started)


async def aprint_text(
    stream: AnyAsyncStream, *, end: str = "\n", started: float | None = None
) -> StreamOutcome:
    """The async twin of `print_text`: ``await aprint_text(stream)``."""
    return await arun_printer(TextPrinter(end), stream, started=started)


def print_lines(
    stream: AnyStream, *, end: str = "\n", started: float | None = None
) -> StreamOutcome:
    """Print the text of `stream` one whole line at a time; the last line when it ends.

    >>> print_lines(client.messages.create(**request, stream=True))  # doctest: +SKIP
    1. Preheat the oven.
    2. ...
    """
    return run_printer(LinePrinter(end), stream, started=started)


async def aprint_lines(
    stream: AnyAsyncStream, *, end: str = "\n", started: float | None = None
) -> StreamOutcome:
    """The async twin of `print_lines`."""
    return await arun_printer(LinePrinter(end), stream, started=started)
