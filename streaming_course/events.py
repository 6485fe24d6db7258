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
A raw stream keeps no message, so `MessageBuilder` builds it from the raw events.

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
from typing import Any, Literal, Protocol, runtime_checkable

import anthropic
import httpx2
from anthropic.lib.streaming import (
    AsyncMessageStream,
    AsyncMessageStreamManager,
    MessageStream,
    MessageStreamManager,
)
from anthropic.types import Message, RawMessageStreamEvent, Usage

from .accumulate import MessageBuilder, StreamMalformed, field_of
from .i18n import message as localized
from .redact import redact

AnyStream = anthropic.Stream[RawMessageStreamEvent] | MessageStream[Any]
"""A stream read with `for`: from ``create(stream=True)``, or inside ``messages.stream()``."""
AnyAsyncStream = anthropic.AsyncStream[RawMessageStreamEvent] | AsyncMessageStream[Any]
"""A stream read with `async for`: the same, from an `AsyncAnthropic` client."""

Ending = Literal["complete", "error_event", "dropped", "truncated", "malformed", "stopped"]

DERIVED_TYPES = frozenset({"text", "thinking", "signature", "input_json", "citation"})
"""Events `messages.stream()` adds after a raw delta, repeating it with a snapshot."""

STREAM_FAILURES = (anthropic.APIStatusError, anthropic.APIConnectionError, httpx2.TransportError)
"""What a stream raises mid-way: an `event: error`, or a broken connection."""

UNREADABLE = (ValueError, TypeError, KeyError, IndexError, AttributeError, RuntimeError)
"""What the SDK raises on an event it cannot read: bad JSON, an unknown block, a wrong type."""

STOPS = (GeneratorExit, KeyboardInterrupt, asyncio.CancelledError)
"""How a caller stops reading early: leaving the loop, Ctrl-C / Stop, cancelling a task."""


class StreamTruncated(Exception):
    """The body ended without ``message_stop``: the reply is incomplete (the SDK raises nothing)."""


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


@dataclass(frozen=True, repr=False)
class StreamOutcome:
    """What a stream delivered and how it ended.

    >>> outcome = StreamOutcome("truncated", message=None, text="Hel", error=None)
    >>> outcome.complete
    False
    """

    ending: Ending
    message: Message | None  # the final message, or the partial one (None before message_start)
    text: str  # the reply's text as it arrived
    error: BaseException | None  # what ended it early (None when complete or stopped)
    usage_at_start: Usage | None = None  # as message_start gave it (None: not a stream)

    def __repr__(self) -> str:  # short: a notebook shows it after the printed reply
        text = self.text if len(self.text) <= 40 else self.text[:39] + "…"
        return (
            f"StreamOutcome(ending={self.ending!r}, text={text!r}, "
            f"stop_reason={self.stop_reason!r})"
        )

    @classmethod
    def of_message(cls, message: Message) -> StreamOutcome:
        """The outcome of a finished, non-streamed `Message`.

        >>> StreamOutcome.of_message(message).ending  # doctest: +SKIP
        'complete'
        """
        text = "".join(block.text for block in message.content if block.type == "text")
        return cls("complete", message=message, text=text, error=None)

    @property
    def complete(self) -> bool:
        """True when the whole reply arrived (``message_stop`` was received)."""
        return self.ending == "complete"

    @property
    def usage(self) -> Usage | None:
        """The token usage so far, or None before message_start."""
        return self.message.usage if self.message is not None else None

    @property
    def stop_reason(self) -> str | None:
        """Why the model stopped (``end_turn``, ``max_tokens``...); None if it never said."""
        return self.message.stop_reason if self.message is not None else None

    @property
    def description(self) -> str:
        """One line, in the learner's language, saying how the stream ended."""
        chars = len(self.text)
        if self.ending == "error_event":
            error_type = getattr(self.error, "type", None) or "error"
            detail = redact(getattr(self.error, "api_message", None) or str(self.error))
            return localized("events.error_event", chars=chars, type=error_type, detail=detail)
        if self.ending == "dropped":
            return localized("events.dropped", chars=chars, error=type(self.error).__name__)
        if self.ending == "malformed":
            return localized("events.malformed", chars=chars, detail=redact(str(self.error)))
        if self.ending in ("truncated", "stopped"):
            return localized(f"events.{self.ending}", chars=chars)
        return localized("events.complete", stop_reason=self.stop_reason)


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


class EventReader:
    """Iterate once for the `StreamEvent`s of a sync stream; `outcome` says how it ended."""

    def __init__(self, stream: AnyStream, *, started: float | None = None) -> None:
        _check_stream(stream, expect_async=False)
        self.stream = stream
        self._reading = _Reading(stream, started)

    @property
    def outcome(self) -> StreamOutcome:
        """How the stream ended (while still reading: the outcome so far, ending "stopped")."""
        return self._reading.outcome()

    def __iter__(self) -> Iterator[StreamEvent]:
        reading = self._reading
        try:
            for sdk_event in self.stream:
                yield reading.take(sdk_event)
        except STREAM_FAILURES as error:
            reading.fail(error)
        except UNREADABLE as error:
            if not _unreadable_event(error):
                raise
            reading.fail(StreamMalformed.of(error))
        except STOPS:
            reading.stop()
            self.stream.close()
            raise
        else:
            reading.finish()


class AsyncEventReader:
    """Iterate once with ``async for`` for the `StreamEvent`s of an async stream."""

    def __init__(self, stream: AnyAsyncStream, *, started: float | None = None) -> None:
        _check_stream(stream, expect_async=True)
        self.stream = stream
        self._reading = _Reading(stream, started)

    @property
    def outcome(self) -> StreamOutcome:
        """How the stream ended (while still reading: the outcome so far, ending "stopped")."""
        return self._reading.outcome()

    async def __aiter__(self) -> AsyncIterator[StreamEvent]:
        reading = self._reading
        try:
            async for sdk_event in self.stream:
                yield reading.take(sdk_event)
        except STREAM_FAILURES as error:
            reading.fail(error)
        except UNREADABLE as error:
            if not _unreadable_event(error):
                raise
            reading.fail(StreamMalformed.of(error))
        except STOPS:
            reading.stop()
            await self.stream.close()
            raise
        else:
            reading.finish()


class _Reading:
    """What one reading has seen so far; the sync and async readers share it."""

    def __init__(self, stream: AnyStream | AnyAsyncStream, started: float | None) -> None:
        self.stream = stream
        self.started = time.perf_counter() if started is None else started
        # `messages.stream()` keeps the message itself; for a raw stream we build it.
        self.builder = None if _keeps_snapshot(stream) else MessageBuilder()
        self.texts: list[str] = []
        self.block_index: int | None = None
        self.saw_message_stop = False
        self.usage_at_start: Usage | None = None
        self.ending: Ending | None = None
        self.error: BaseException | None = None

    def take(self, sdk_event: Any) -> StreamEvent:
        """Note one SDK event and return its `StreamEvent`."""
        at = time.perf_counter() - self.started
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
        if text:
            self.texts.append(text)  # only once the event was read whole
        return StreamEvent(at, kind, index, delta_type, text, sdk_event)

    def finish(self) -> None:
        """The body ended: complete if message_stop came, else truncated."""
        if self.saw_message_stop:
            self.ending = "complete"
        else:
            self.ending = "truncated"
            self.error = StreamTruncated(localized("events.truncated", chars=len(self.text())))

    def fail(self, error: BaseException) -> None:
        if isinstance(error, StreamMalformed):
            self.ending = "malformed"
        elif isinstance(error, anthropic.APIStatusError):
            self.ending = "error_event"
        else:
            self.ending = "dropped"
        self.error = error

    def stop(self) -> None:
        self.ending = self.ending or "stopped"

    def text(self) -> str:
        return "".join(self.texts)

    def outcome(self) -> StreamOutcome:
        message = self.builder.message() if self.builder else _snapshot(self.stream)
        ending = self.ending or "stopped"
        return StreamOutcome(ending, message, self.text(), self.error, self.usage_at_start)


def _unreadable_event(error: BaseException) -> bool:
    """True when `error` means an event could not be read: we or the SDK raised it on one.

    A bug elsewhere (a generator of your own that raises) is not swallowed.
    """
    if isinstance(error, StreamMalformed):
        return True
    frame = error.__traceback__
    while frame is not None:
        module = frame.tb_frame.f_globals.get("__name__", "")
        if module.split(".")[0] in ("anthropic", "jiter", "pydantic"):
            return True
        frame = frame.tb_next
    return False


def _keeps_snapshot(stream: Any) -> bool:
    return hasattr(type(stream), "current_message_snapshot")


def _snapshot(stream: Any) -> Message | None:
    try:
        return stream.current_message_snapshot
    except AssertionError:  # the SDK asserts when no message_start has come yet
        return None


def _check_stream(stream: Any, *, expect_async: bool) -> None:
    """Refuse, with a hint, what is not a stream of the expected kind."""
    if isinstance(stream, MessageStreamManager | AsyncMessageStreamManager):
        raise TypeError(localized("events.manager_given"))
    can_iterate = hasattr(stream, "__aiter__" if expect_async else "__iter__")
    if not can_iterate or isinstance(stream, str | bytes | dict | Message):
        key = "events.needs_async_stream" if expect_async else "events.needs_sync_stream"
        raise TypeError(localized(key, kind=type(stream).__name__))
