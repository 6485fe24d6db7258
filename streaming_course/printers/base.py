"""How every printer reads a stream: one loop over `StreamEvent`s, sync or async.

A printer is a small object with two methods: `on_event` for each event as it arrives and
`finish` once the stream is over. `run_printer` and `arun_printer` are the only loops, so a
printer's sync and async versions behave the same by construction.

When a live stream goes quiet for `SILENCE_AFTER` seconds, the loops say so on stderr, with
what the learner can do (a replayed stream's pauses are the recording's own, so the course's
replays print the same at any speed).

    >>> outcome = run_printer(TextPrinter(), stream)  # doctest: +SKIP
    >>> outcome.complete                              # doctest: +SKIP
    True
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, Protocol

from ..events import (
    AnyAsyncStream,
    AnyStream,
    EventSource,
    StreamEvent,
    StreamOutcome,
    aread_events,
    read_events,
)
from ..replay.tap import wire_of
from ..replay.transport import REPLAY_HEADER
from ..silence import SILENCE_AFTER, AsyncSilenceWatch, SilenceWatch, read_timeout, silence_notice


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
    with (
        SilenceWatch(_say_silence(stream), after=SILENCE_AFTER) as watch,
        _listening(stream, watch),
    ):
        try:
            for event in reader:
                watch.poke()
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
    async with AsyncSilenceWatch(_say_silence(stream), after=SILENCE_AFTER) as watch:
        with _listening(stream, watch):
            try:
                async for event in reader:
                    watch.poke()
                    printer.on_event(event)
            finally:
                outcome = reader.outcome
                printer.finish(outcome)
    return outcome


def _say_silence(stream: Any) -> Callable[[float], None] | None:
    """What to do when a live stream goes quiet: one line on stderr (None: don't watch)."""
    response = getattr(stream, "response", None)
    if response is None or REPLAY_HEADER in response.headers:
        return None  # not an HTTP stream we can time, or a replay (its pauses are recorded)
    timeout = read_timeout(stream)
    return lambda seconds: print(silence_notice(seconds, timeout), file=sys.stderr, flush=True)


class _listening:
    """While the loop runs, every raw line the wire tap sees counts as data (pings too)."""

    def __init__(self, stream: Any, watch: SilenceWatch | AsyncSilenceWatch) -> None:
        self.record = wire_of(stream)
        self.watch = watch

    def __enter__(self) -> None:
        if self.record is not None:
            self.record.listeners.append(self.watch.poke)

    def __exit__(self, *_: object) -> None:
        if self.record is not None:
            self.record.listeners.remove(self.watch.poke)


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
