"""How every printer reads a stream: one loop over `StreamEvent`s, sync or async.

A printer is a small object with two methods: `on_event` for each event as it arrives and
`finish` once the stream is over. `run_printer` and `arun_printer` are the only loops, so a
printer's sync and async versions behave the same by construction.

    >>> outcome = run_printer(TextPrinter(), stream)  # doctest: +SKIP
    >>> outcome.complete                              # doctest: +SKIP
    True
"""

from __future__ import annotations

from typing import Protocol

from ..events import (
    AnyAsyncStream,
    AnyStream,
    EventSource,
    StreamEvent,
    StreamOutcome,
    aread_events,
    read_events,
)


class Printer(Protocol):
    """Shows a stream: `on_event` for each event as it arrives, `finish` once at the end."""

    def on_event(self, event: StreamEvent) -> None: ...

    def finish(self, outcome: StreamOutcome) -> None: ...


def run_printer(
    printer: Printer, stream: AnyStream | EventSource, *, started: float | None = None
) -> StreamOutcome:
    """Feed `printer` the events of a sync `stream` (or an `EventSource`); return how it ended.

    `finish` runs even when reading is interrupted (Ctrl-C), so the printer can say so.
    """
    reader = read_events(stream, started=started)
    try:
        for event in reader:
            printer.on_event(event)
    finally:
        outcome = reader.outcome
        printer.finish(outcome)
    return outcome


async def arun_printer(
    printer: Printer, stream: AnyAsyncStream, *, started: float | None = None
) -> StreamOutcome:
    """The async twin of `run_printer`, for streams of an `AsyncAnthropic` client."""
    reader = aread_events(stream, started=started)
    try:
        async for event in reader:
            printer.on_event(event)
    finally:
        outcome = reader.outcome
        printer.finish(outcome)
    return outcome


def print_ending(outcome: StreamOutcome, *, at_line_start: bool) -> None:
    """If the stream did not complete, say what happened in one line of its own.

    >>> print_ending(StreamOutcome("truncated", None, "Hel", None), at_line_start=False)
    <BLANKLINE>
    ⚠ The stream ended without message_stop after 3 characters: the reply is incomplete.
    """
    if outcome.complete:
        return
    if not at_line_start:
        print()
    print(outcome.description, flush=True)
