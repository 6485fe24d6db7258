"""Read a stream, one uniform way: what arrived, when, and how it ended.

Every helper of the course reads streams through this module. It takes the raw `Stream`
from ``client.messages.create(..., stream=True)``, the `MessageStream` inside
``with client.messages.stream(...) as stream``, or their async twins, and gives:

- one `StreamEvent` per event the SDK yields, stamped with its arrival time;
- at the end, a `StreamOutcome`: the message (final, or partial), its text and usage,
  and how the stream ended — ``complete``, ``error_event`` (the API sent ``event: error``),
  ``dropped`` (the connection broke), ``truncated`` (the body ended without
  ``message_stop``, which the SDK does not report), ``malformed`` (an event that cannot be
  read: bad JSON, a delta for a block that never started, a field of the wrong type) or
  ``stopped`` (you stopped reading).

Errors of the stream itself are caught and kept in the outcome; anything else is raised.
A raw stream keeps no message, so `MessageBuilder` builds it from the raw events. The
outcome also keeps what the course measures, once for every helper: each piece of text with
its arrival time (`pieces`, `first_text_at`), the whole wait (`elapsed`), `tokens_per_second`.

    >>> reader = read_events(client.messages.create(**request, stream=True))  # doctest: +SKIP
    >>> for event in reader:                                                  # doctest: +SKIP
    ...     print(f"{event.at:.3f}s", event.type, event.text)
    >>> reader.outcome.ending, reader.outcome.text                            # doctest: +SKIP
    ('complete', 'Hello! How can I help?')
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

import anthropic
from anthropic.lib.streaming import (
    AsyncMessageStream,
    AsyncMessageStreamManager,
    MessageStream,
    MessageStreamManager,
)
from anthropic.types import Message, RawMessageStreamEvent, Usage

from .accumulate import (
    UNREADABLE,
    MessageBuilder,
    StreamMalformed,
    field_of,
    keeps_snapshot,
    snapshot,
    unreadable_event,
)
from .failures import API_FAILURES
from .i18n import message as localized
from .outcome import Ending, Piece, StreamOutcome, StreamTruncated

AnyStream = anthropic.Stream[RawMessageStreamEvent] | MessageStream[Any]
"""A stream read with `for`: from ``create(stream=True)``, or inside ``messages.stream()``."""
AnyAsyncStream = anthropic.AsyncStream[RawMessageStreamEvent] | AsyncMessageStream[Any]
"""A stream read with `async for`: the same, from an `AsyncAnthropic` client."""

DERIVED_TYPES = frozenset({"text", "thinking", "signature", "input_json", "citation"})
"""Events `messages.stream()` adds after a raw delta, repeating it with a snapshot."""


STOPS = (GeneratorExit, KeyboardInterrupt, asyncio.CancelledError)
"""How a caller stops reading early: leaving the loop, Ctrl-C / Stop, cancelling a task."""


@dataclass(slots=True)  # not frozen: that would make creating one (per event) 3× slower
class StreamEvent:
    """One event as it arrived, `at` seconds after the start of the request.

    `text` is the text this event adds to the reply: set on raw ``text_delta`` events only,
    so joining `text` over all events gives the reply, whatever the kind of stream. (The
    derived ``text`` event of `messages.stream()` repeats that delta; its `text` is "".)

    >>> event = StreamEvent(0.52, "content_block_delta", 0, "text_delta", "Hi", raw=None)
    >>> event.text, event.derived
    ('Hi', False)
    """

    at: float
    type: str  # the SDK event's type: "message_start", ..., or a derived one such as "text"
    index: int | None  # the content block it belongs to (derived events: their delta's block)
    delta_type: str | None  # content_block_delta only: "text_delta", "input_json_delta", ...
    text: str
    raw: Any  # the event object the SDK yielded

    @property
    def derived(self) -> bool:
        """True for the events `messages.stream()` adds (``text``, ``input_json``, ...)."""
        return self.type in DERIVED_TYPES


@runtime_checkable
class EventSource(Protocol):
    """Anything already read as `StreamEvent`s with an `outcome`, e.g. Bedrock's Converse reader."""

    @property
    def outcome(self) -> StreamOutcome: ...

    def __iter__(self) -> Iterator[StreamEvent]: ...


def read_events(
    stream: AnyStream | EventSource, *, started: float | None = None
) -> EventReader | EventSource:
    """Read a sync stream: iterate over the result for `StreamEvent`s, then see `.outcome`.

    `started` is a `time.perf_counter()` taken before the request, so that each event's
    `at` counts from the request; by default it counts from this call. A stream that is
    read already (an `EventSource`) is returned as it is.

    >>> started = time.perf_counter()
    >>> stream = client.messages.create(**request, stream=True)  # doctest: +SKIP
    >>> reader = read_events(stream, started=started)            # doctest: +SKIP
    """
    if isinstance(stream, EventSource):
        return stream
    return EventReader(stream, started=started)


def aread_events(stream: AnyAsyncStream, *, started: float | None = None) -> AsyncEventReader:
    """The async twin of `read_events`: ``async for event in aread_events(stream)``."""
    return AsyncEventReader(stream, started=started)


class _Reader:
    """What the sync and async readers share: the reading, and the outcome it gives."""

    def __init__(self, stream: Any, reading: Reading) -> None:
        self.stream = stream
        self._reading = reading

    @property
    def outcome(self) -> StreamOutcome:
        """How the stream ended (while still reading: the outcome so far, ending "stopped")."""
        return self._reading.outcome()


class EventReader(_Reader):
    """Iterate once for the `StreamEvent`s of a sync stream; `outcome` says how it ended.

    `reading` reads another kind of stream (Bedrock's Converse: see `Reading`).
    """

    def __init__(
        self, stream: Any, *, started: float | None = None, reading: Reading | None = None
    ) -> None:
        if reading is None:
            _check_stream(stream, expect_async=False)
        super().__init__(stream, reading or _MessagesReading(stream, started))

    def __iter__(self) -> Iterator[StreamEvent]:
        reading = self._reading
        try:
            for sdk_event in self.stream:
                yield reading.take(sdk_event)
        except reading.FAILURES as error:
            reading.fail(error)
        except UNREADABLE as error:
            reading.fail_unreadable(error)
        except STOPS:
            reading.stop()
            self.stream.close()
            raise
        else:
            reading.finish()


class AsyncEventReader(_Reader):
    """Iterate once with ``async for`` for the `StreamEvent`s of an async stream."""

    def __init__(self, stream: AnyAsyncStream, *, started: float | None = None) -> None:
        _check_stream(stream, expect_async=True)
        super().__init__(stream, _MessagesReading(stream, started))

    async def __aiter__(self) -> AsyncIterator[StreamEvent]:
        reading = self._reading
        try:
            async for sdk_event in self.stream:
                yield reading.take(sdk_event)
        except reading.FAILURES as error:
            reading.fail(error)
        except UNREADABLE as error:
            reading.fail_unreadable(error)
        except STOPS:
            reading.stop()
            await self.stream.close()
            raise
        else:
            reading.finish()


class Reading:
    """What one reading has seen so far, and how it ended; the readers' loops share it.

    A kind of stream supplies `take` (one event in, its `StreamEvent` out, text noted with
    `note_text`), `message` and `arrived_whole`, and says which errors are its failures.
    The endings, the clock and the pieces of text are kept here, once for every kind.
    """

    FAILURES: ClassVar[tuple[type[BaseException], ...]] = API_FAILURES
    """What the stream raises mid-way: an error event, or a broken connection."""
    ERROR_EVENTS: ClassVar[tuple[type[BaseException], ...]] = (anthropic.APIStatusError,)
    """Those of `FAILURES` that the API sent as an event (the rest mean a dropped connection)."""
    TRUNCATED: ClassVar[str] = "events.truncated"  # the message saying the body was cut
    OUTCOME: ClassVar[type[StreamOutcome]] = StreamOutcome

    def __init__(self, started: float | None) -> None:
        self.started = time.perf_counter() if started is None else started
        self.pieces: list[Piece] = []
        self.usage_at_start: Usage | None = None
        self.ending: Ending | None = None
        self.error: BaseException | None = None
        self.ended_at: float | None = None

    def take(self, sdk_event: Any) -> StreamEvent:  # one event in, its `StreamEvent` out
        raise NotImplementedError

    def message(self) -> Message | None:  # the message so far (None before it started)
        raise NotImplementedError

    def arrived_whole(self) -> bool:  # True when the stream's last event came
        raise NotImplementedError

    def clock(self) -> float:
        """Seconds since the request."""
        return time.perf_counter() - self.started

    def note_text(self, at: float, text: str) -> None:
        """A piece of the reply's text arrived at `at` (call it once the event was read whole)."""
        if text:
            self.pieces.append(Piece(at, text))

    def finish(self) -> None:
        """The body ended: complete if the last event came, else truncated."""
        if self.arrived_whole():
            self._end("complete", None)
        else:
            chars = len(self.text())
            self._end("truncated", StreamTruncated(localized(self.TRUNCATED, chars=chars)))

    def fail(self, error: BaseException) -> None:
        if isinstance(error, StreamMalformed):
            self._end("malformed", error)
        elif isinstance(error, self.ERROR_EVENTS):
            self._end("error_event", error)
        else:
            self._end("dropped", error)

    def fail_unreadable(self, error: BaseException) -> None:
        """An event could not be read; an error that is not an event's fault is raised again."""
        if not unreadable_event(error):
            raise error
        self.fail(StreamMalformed.of(error))

    def stop(self) -> None:
        self._end(self.ending or "stopped", self.error)

    def _end(self, ending: Ending, error: BaseException | None) -> None:
        self.ending, self.error = ending, error
        if self.ended_at is None:
            self.ended_at = self.clock()

    def text(self) -> str:
        return "".join(piece.text for piece in self.pieces)

    def outcome(self) -> StreamOutcome:
        elapsed = self.ended_at if self.ended_at is not None else self.clock()
        ending = self.ending or "stopped"
        pieces = tuple(self.pieces)
        return self.OUTCOME(
            ending, self.message(), self.text(), self.error, self.usage_at_start, pieces, elapsed
        )


class _MessagesReading(Reading):
    """Reads the Messages API's events, from a raw stream or from `messages.stream()`."""

    def __init__(self, stream: AnyStream | AnyAsyncStream, started: float | None) -> None:
        super().__init__(started)
        self.stream = stream
        # `messages.stream()` keeps the message itself; for a raw stream we build it.
        self.builder = None if keeps_snapshot(stream) else MessageBuilder()
        self.block_index: int | None = None
        self.saw_message_stop = False

    def take(self, sdk_event: Any) -> StreamEvent:
        at = self.clock()
        kind = field_of(sdk_event, "type", str, "an event")
        index = getattr(sdk_event, "index", None)
        delta_type = None
        text = ""
        if kind == "content_block_delta":
            delta = field_of(sdk_event, "delta", object, kind)
            delta_type = field_of(delta, "type", str, "a delta")
            self.block_index = index
            if delta_type == "text_delta":
                text = field_of(delta, "text", str, delta_type)
        elif kind in DERIVED_TYPES:
            index = self.block_index
        elif kind == "message_start":
            usage = getattr(field_of(sdk_event, "message", object, kind), "usage", None)
            self.usage_at_start = usage.model_copy() if isinstance(usage, Usage) else None
        elif kind == "message_stop":
            self.saw_message_stop = True
        if self.builder is not None:
            try:
                self.builder.add(sdk_event)
            except UNREADABLE as error:  # only the event's shape can make building fail
                raise StreamMalformed.of(error) from error
        self.note_text(at, text)
        return StreamEvent(at, kind, index, delta_type, text, sdk_event)

    def message(self) -> Message | None:
        return self.builder.message() if self.builder else snapshot(self.stream)

    def arrived_whole(self) -> bool:
        return self.saw_message_stop


def _check_stream(stream: Any, *, expect_async: bool) -> None:
    """Refuse, with a hint, what is not a stream of the expected kind."""
    if isinstance(stream, MessageStreamManager | AsyncMessageStreamManager):
        raise TypeError(localized("events.manager_given"))
    can_iterate = hasattr(stream, "__aiter__" if expect_async else "__iter__")
    if not can_iterate or isinstance(stream, str | bytes | dict | Message):
        key = "events.needs_async_stream" if expect_async else "events.needs_sync_stream"
        raise TypeError(localized(key, kind=type(stream).__name__))
