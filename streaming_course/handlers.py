"""React to a stream with callbacks: subclass `StreamHandler` and override the `on_*` you need.

Older versions of the SDK took an ``event_handler=`` with ``on_text``-style methods; today
you iterate over the stream instead (passing ``event_handler=`` raises `TypeError`). This
class brings the callback style back on top of that iteration:

    >>> class Printer(StreamHandler):
    ...     def on_text(self, text, snapshot):
    ...         print(text, end="", flush=True)
    >>> message = Printer().run(client.messages.stream(**request))  # doctest: +SKIP
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from contextlib import AsyncExitStack, ExitStack
from typing import Any, TypeVar

import anthropic
import httpx2
from anthropic.lib.streaming import (
    AsyncMessageStream,
    AsyncMessageStreamManager,
    MessageStream,
    MessageStreamManager,
)
from anthropic.types import Message

from .events import StreamOutcome, aread_events, read_events
from .failures import API_FAILURES
from .i18n import message as localized

TIMEOUTS = (httpx2.TimeoutException, anthropic.APITimeoutError)
"""Those of `API_FAILURES` that are timeouts: mid-stream (from httpx2), or before the first
event (from the SDK)."""

Call = tuple[Callable[..., Any], tuple[Any, ...]]
T = TypeVar("T")


class StreamHandler:
    """Callbacks for one `messages.stream()` stream; override any of the `on_*` methods.

    The calls, in order:

    =========================  ==============================================================
    each event the stream      ``on_stream_event(event)``, then the callback of its type:
    yields, raw or derived     ``text`` → ``on_text(text, snapshot)``,
                               ``thinking`` → ``on_thinking(thinking, snapshot)``,
                               ``input_json`` → ``on_input_json(partial_json, snapshot)``,
                               ``citation`` → ``on_citation(citation)``,
                               ``content_block_stop`` → ``on_content_block(block)``,
                               ``message_stop`` → ``on_message(message)``
    if the stream failed       ``on_timeout()`` if it timed out, then ``on_exception(error)``
    always: once, last         ``on_end()``, even when an exception is raised
    =========================  ==============================================================

    A failure is an error event, a dropped connection, a body that ends without
    ``message_stop`` (`StreamTruncated`), or a request refused before any event (an HTTP
    529...). By default `on_exception` raises the error; override it to handle the error,
    and `run` returns normally. An exception raised in one of your callbacks is not a
    failure of the stream: it propagates (after `on_end`), so a bug is never silent.

    `run` returns the message (final, or partial after a failure; None if none started)
    and keeps `outcome`, the `StreamOutcome` saying how the stream ended. In `arun`,
    callbacks may be ``async def``.

    >>> class Blocks(StreamHandler):
    ...     def on_content_block(self, block):
    ...         print("block:", block.type)
    >>> Blocks().run(client.messages.stream(**request))  # doctest: +SKIP
    block: text
    """

    outcome: StreamOutcome | None = None

    def on_stream_event(self, event: Any) -> Any:
        """Every event the stream yields, raw and derived, before its specific callback."""

    def on_text(self, text: str, snapshot: str) -> Any:
        """A piece of text, and the block's text so far."""

    def on_thinking(self, thinking: str, snapshot: str) -> Any:
        """A piece of extended thinking, and the block's thinking so far."""

    def on_input_json(self, partial_json: str, snapshot: object) -> Any:
        """A piece of a tool call's JSON input, and the input parsed so far."""

    def on_citation(self, citation: Any) -> Any:
        """A citation added to the current text block."""

    def on_content_block(self, block: Any) -> Any:
        """A content block is finished (``content_block_stop``); `block` is all of it."""

    def on_message(self, message: Message) -> Any:
        """The message is finished (``message_stop``)."""

    def on_exception(self, error: BaseException) -> Any:
        """The stream failed; by default the error is raised. Override to handle it."""
        raise error

    def on_timeout(self) -> Any:
        """The stream timed out (called just before `on_exception`)."""

    def on_end(self) -> Any:
        """The stream is over, whatever happened; always the last call."""

    def run(self, stream: MessageStream[Any] | MessageStreamManager[Any]) -> Message | None:
        """Read `stream` (a `MessageStream`, or `client.messages.stream(...)` itself)."""
        self.outcome = None
        try:
            with ExitStack() as exits:
                if isinstance(stream, MessageStreamManager):
                    try:
                        stream = exits.enter_context(stream)  # sends the request
                    except API_FAILURES as error:  # the request was refused
                        _call_all(self._failure_calls(error))
                        return None
                return self._read(stream)
        finally:
            _call_all([(self.on_end, ())])

    async def arun(
        self, stream: AsyncMessageStream[Any] | AsyncMessageStreamManager[Any]
    ) -> Message | None:
        """The async twin of `run`, for an `AsyncMessageStream` (or its manager)."""
        self.outcome = None
        try:
            async with AsyncExitStack() as exits:
                if isinstance(stream, AsyncMessageStreamManager):
                    try:
                        stream = await exits.enter_async_context(stream)
                    except API_FAILURES as error:  # the request was refused
                        await _acall_all(self._failure_calls(error))
                        return None
                return await self._aread(stream)
        finally:
            await _acall_all([(self.on_end, ())])

    def _read(self, stream: MessageStream[Any]) -> Message | None:
        reader = read_events(_helper_stream(stream))
        for event in reader:
            _call_all(self._calls_for(event.raw))
        self.outcome = reader.outcome
        if self.outcome.error is not None:
            _call_all(self._failure_calls(self.outcome.error))
        return self.outcome.message

    async def _aread(self, stream: AsyncMessageStream[Any]) -> Message | None:
        reader = aread_events(_helper_stream(stream))
        async for event in reader:
            await _acall_all(self._calls_for(event.raw))
        self.outcome = reader.outcome
        if self.outcome.error is not None:
            await _acall_all(self._failure_calls(self.outcome.error))
        return self.outcome.message

    def _calls_for(self, event: Any) -> list[Call]:
        """The callbacks one SDK event triggers, in order, with their arguments."""
        calls: list[Call] = [(self.on_stream_event, (event,))]
        kind = event.type
        if kind == "text":
            calls.append((self.on_text, (event.text, event.snapshot)))
        elif kind == "thinking":
            calls.append((self.on_thinking, (event.thinking, event.snapshot)))
        elif kind == "input_json":
            calls.append((self.on_input_json, (event.partial_json, event.snapshot)))
        elif kind == "citation":
            calls.append((self.on_citation, (event.citation,)))
        elif kind == "content_block_stop":
            calls.append((self.on_content_block, (event.content_block,)))
        elif kind == "message_stop":
            calls.append((self.on_message, (event.message,)))
        return calls

    def _failure_calls(self, error: BaseException) -> list[Call]:
        calls: list[Call] = [(self.on_timeout, ())] if isinstance(error, TIMEOUTS) else []
        return [*calls, (self.on_exception, (error,))]


def _call_all(calls: list[Call]) -> None:
    for callback, args in calls:
        result = callback(*args)
        if inspect.iscoroutine(result):
            result.close()
            raise TypeError(localized("handlers.async_callback", name=callback.__name__))


async def _acall_all(calls: list[Call]) -> None:
    for callback, args in calls:
        result = callback(*args)
        if inspect.isawaitable(result):
            await result


def _helper_stream(stream: T) -> T:
    """`stream`, if it is one of `messages.stream()` (a raw stream has no text events)."""
    if isinstance(stream, anthropic.Stream | anthropic.AsyncStream):
        raise TypeError(localized("handlers.needs_helper_stream"))
    return stream
