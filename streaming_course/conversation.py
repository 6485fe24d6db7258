"""A chat's history and the logic of one turn, shared by the chat panel and the terminal chat.

    >>> conversation = Conversation(make_client(), MODEL)               # doctest: +SKIP
    >>> turn = conversation.stream_reply("Hi!", on_text=print)          # doctest: +SKIP
    >>> turn.complete, [m["role"] for m in conversation.messages]       # doctest: +SKIP
    (True, ['user', 'assistant'])

With an `AsyncAnthropic` client, use the async twins `astream_reply` and `aretry` (named as
the SDK names its twins); `start` runs one in a task, which `stop` ends. `on_silence` hears
of a stall: nothing for `silence_after` seconds (see `streaming_course.silence`).

`messages` is always a valid request history: it starts with a user message and the roles
alternate. A turn that does not complete (an error, a dropped connection, Stop) leaves the
history as it was, or, with ``keep_partial=True``, adds the question with the partial reply.
The turn's `Turn` record keeps the partial reply either way.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import anthropic

from .events import (
    AsyncEventReader,
    EventReader,
    StreamEvent,
    StreamOutcome,
    aread_events,
    read_events,
)
from .failures import API_FAILURES, describe_failure
from .i18n import message
from .redact import error_line, redact
from .replay.tap import wire_of
from .silence import SILENCE_AFTER, AsyncSilenceWatch, SilenceCallback, SilenceWatch
from .turn import Turn, TurnEnding, markdown_transcript

__all__ = ["REQUEST_FAILURES", "Conversation", "TextCallback", "Turn", "TurnEnding"]

REQUEST_FAILURES = API_FAILURES
"""What can fail (the one list, in `failures`): the API refuses the request or cannot be reached."""

TextCallback = Callable[[str], None]
"""Receives each piece of the reply's text as it arrives."""


@dataclass
class Conversation:
    """A chat with one model: the history the API gets, and one `Turn` per question asked.

    Use an `Anthropic` client with `stream_reply` / `retry`, or an `AsyncAnthropic` client
    with their async twins `astream_reply` / `aretry`. Each question asked adds exactly one
    turn, however its reply ends; `retry` replaces the last one, `clear` forgets them all.

        >>> conversation = Conversation(make_client(), MODEL, system="Be brief.")  # doctest: +SKIP
        >>> conversation.stream_reply("Hi!", on_text=print).reply                 # doctest: +SKIP
        'Hello! What can I do for you?'

    `connect`, if given, makes the client when `client` is None, at the next question (the
    settings may have been fixed meanwhile); what it raises is that turn's failure.
    """

    client: anthropic.AsyncAnthropic | anthropic.Anthropic | None  # None: not set up yet
    model: str
    system: str | None = None
    max_tokens: int = 1024
    keep_partial: bool = False  # keep an incomplete reply in the history, with its question
    silence_after: float = SILENCE_AFTER  # seconds with nothing arriving before `on_silence`
    turns: list[Turn] = field(default_factory=list)
    connect: Callable[[], anthropic.AsyncAnthropic | anthropic.Anthropic] | None = None
    _history: list[dict[str, str]] = field(default_factory=list, init=False, repr=False)
    _in_flight: _InFlight | None = field(default=None, init=False, repr=False)
    _clears: int = field(default=0, init=False, repr=False)  # a turn asked before one is dropped

    @property
    def messages(self) -> list[dict[str, str]]:
        """A copy of the history sent with the next question: user and assistant, alternating."""
        return [dict(entry) for entry in self._history]

    @property
    def busy(self) -> bool:
        """True while an async reply streams, or waits in a task from `start` to begin."""
        flight = self._in_flight
        return flight is not None and not flight.landed and not flight.task.done()

    def stream_reply(
        self,
        question: str,
        on_text: TextCallback | None = None,
        on_silence: SilenceCallback | None = None,
    ) -> Turn:
        """Ask `question` and stream the reply, passing each piece of text to `on_text`.

        Ctrl-C stops it: the turn is recorded as stopped and `KeyboardInterrupt` goes on.
        `on_silence(seconds)` is called from a watching thread (see `silence_after`).
        """
        failed = self._connect_for(question, anthropic.Anthropic)
        if failed is not None:
            return failed
        progress = _Progress(question, on_text, self._clears)
        watch = SilenceWatch(on_silence, self.silence_after)
        try:
            with watch:
                progress.poke = watch.poke
                stream = self.client.messages.create(**self._request(question), stream=True)
                progress.reader = read_events(stream, started=progress.started)
                progress.listen_to_wire(stream)
                for event in progress.reader:
                    progress.take(event)
        except REQUEST_FAILURES as error:
            return self._record(progress, failure=error)
        except KeyboardInterrupt:
            self._record(progress)
            raise
        except Exception as error:  # never lose the conversation to a surprise
            return self._record(progress, failure=error)
        return self._record(progress)

    async def astream_reply(
        self,
        question: str,
        on_text: TextCallback | None = None,
        on_silence: SilenceCallback | None = None,
    ) -> Turn:
        """The async twin of `stream_reply`, for an `AsyncAnthropic` client.

        `stop()` stops the reply: the turn is recorded as stopped and returned. Cancelling
        the task running it stops it too, and then the cancellation goes on. `on_silence`
        is called in the event loop.
        """
        with self._flight() as flight:
            progress = _Progress(question, on_text, flight.clears)
            if flight.stop_asked:  # stopped before it started: nothing was sent
                return self._record(progress)
            failed = self._connect_for(question, anthropic.AsyncAnthropic)
            if failed is not None:
                return failed
            watch = AsyncSilenceWatch(on_silence, self.silence_after)
            flight.streaming = True
            try:
                async with watch:
                    progress.poke = watch.poke
                    request = self._request(question)
                    stream = await self.client.messages.create(**request, stream=True)
                    progress.reader = aread_events(stream, started=progress.started)
                    progress.listen_to_wire(stream)
                    async for event in progress.reader:
                        progress.take(event)
            except REQUEST_FAILURES as error:
                return self._record(progress, failure=error)
            except asyncio.CancelledError:
                turn = self._record(progress)
                if flight.stop_asked:  # our own stop: the task ends with the stopped turn
                    flight.task.uncancel()
                    return turn
                raise
            except Exception as error:  # never lose the conversation to a surprise
                return self._record(progress, failure=error)
            return self._record(progress)

    def retry(
        self, on_text: TextCallback | None = None, on_silence: SilenceCallback | None = None
    ) -> Turn:
        """Ask the last question again, in place of its turn (see `undo_last_turn`)."""
        return self.stream_reply(self.undo_last_turn(), on_text, on_silence)

    async def aretry(
        self, on_text: TextCallback | None = None, on_silence: SilenceCallback | None = None
    ) -> Turn:
        """The async twin of `retry`."""
        return await self.astream_reply(self.undo_last_turn(), on_text, on_silence)

    def start(self, reply: Coroutine[Any, Any, Turn]) -> asyncio.Task[Turn]:
        """Run `reply` (from `astream_reply` or `aretry`) in a task, so the event loop stays free.

        (A notebook's panel does: its kernel takes the Stop click meanwhile.) `stop()` and
        `clear()` work from now on, even before the task starts.

            >>> task = conversation.start(conversation.astream_reply("Hi!"))  # doctest: +SKIP
            >>> conversation.stop()                                           # doctest: +SKIP
            >>> (await task).ending                                           # doctest: +SKIP
            'stopped'
        """
        if self.busy:
            reply.close()
            raise RuntimeError(message("chat.busy"))
        task = asyncio.get_running_loop().create_task(reply)
        self._in_flight = _InFlight(task, self._clears)
        return task

    def stop(self) -> None:
        """Stop the async reply in flight: its turn keeps what arrived, marked stopped (a sync
        `stream_reply` stops with Ctrl-C)."""
        if not self.busy:
            return
        self._in_flight.stop_asked = True
        if self._in_flight.streaming:
            self._in_flight.task.cancel()  # else it stops as it starts

    def undo_last_turn(self) -> str:
        """Remove the last turn, and its messages if the history kept them; return its question."""
        if not self.turns:
            raise ValueError(message("chat.nothing_to_retry"))
        turn = self.turns.pop()
        if turn.in_history:
            del self._history[-2:]
        return turn.question

    def record_unsent(self, question: str, error: BaseException | None = None) -> Turn:
        """Record a question that never reached the API, and return its turn.

        With no `error` it was stopped before the request went out; with one, something (a
        setting, a bad recording) kept it from being made: the error's message, the note.

        >>> Conversation(None, "claude-haiku-5-5").record_unsent("Hi").ending
        'stopped'
        """
        if error is None:
            turn = Turn(question, "", "stopped", message("events.stopped", chars=0), False)
        else:
            detail = (str(error).strip().splitlines() or [type(error).__name__])[0]
            note = f"⚠ {redact(detail)}"
            turn = Turn(question, "", "failed", note, in_history=False, error=error)
        self.turns.append(turn)
        return turn

    def clear(self) -> None:
        """Forget every turn: the next question starts a new conversation.

        A reply in flight is stopped first, and its turn forgotten too.
        """
        self.stop()
        self._clears += 1
        self.turns.clear()
        self._history.clear()

    def to_markdown(self) -> str:
        """The conversation as a Markdown transcript, incomplete replies marked.

        >>> Conversation(None, "claude-haiku-5-5").to_markdown().splitlines()[0]
        '# Conversation with claude-haiku-5-5'
        """
        return markdown_transcript(self.turns, self.model, self.system)

    def to_json(self) -> str:
        """The settings, the history and every turn, as JSON.

        >>> json.loads(Conversation(None, "claude-haiku-5-5").to_json())["messages"]
        []
        """
        data = {
            "model": self.model,
            "system": self.system,
            "max_tokens": self.max_tokens,
            "messages": self.messages,
            "turns": [turn.to_dict() for turn in self.turns],
        }
        return json.dumps(data, ensure_ascii=False, indent=2)

    def _request(self, question: str) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "messages": [*self.messages, {"role": "user", "content": question}],
        }
        if self.system:
            request["system"] = self.system
        return request

    def _record(self, progress: _Progress, failure: BaseException | None = None) -> Turn:
        """Make the turn's record and, if the reply may go into the history, add it there."""
        if isinstance(failure, REQUEST_FAILURES):
            retries = getattr(self.client, "max_retries", 0)
            note = describe_failure(failure, retries)
            turn = Turn(progress.question, "", "failed", note, in_history=False, error=failure)
        elif failure is not None:  # not the API's doing: a bug, or something nobody foresaw
            note = message("chat.unexpected", error=error_line(failure))
            reply = "".join(progress.texts)
            turn = Turn(progress.question, reply, "failed", note, in_history=False, error=failure)
        else:
            turn = progress.turn(keep_partial=self.keep_partial)
        return self._add(turn, progress.clears)

    def _add(self, turn: Turn, clears: int) -> Turn:
        """Keep `turn`, and its messages if the history takes them, unless `clear` came since."""
        if clears != self._clears:
            return turn
        if turn.in_history:
            self._history += [
                {"role": "user", "content": turn.question},
                {"role": "assistant", "content": turn.reply},
            ]
        self.turns.append(turn)
        return turn

    def _connect_for(self, question: str, expected: type) -> Turn | None:
        """Make the client if there is none yet; a failure to make it is the turn's record."""
        if self.client is None and self.connect is not None:
            try:
                self.client = self.connect()
            except Exception as error:  # a setting, a recording, a file: its message says why
                return self.record_unsent(question, error)
        if not isinstance(self.client, expected):
            twin = "stream_reply" if expected is anthropic.AsyncAnthropic else "astream_reply"
            raise TypeError(message("chat.wrong_client", expected=expected.__name__, twin=twin))
        return None

    @contextmanager
    def _flight(self) -> Iterator[_InFlight]:
        """The async reply streaming now: the one `start` began, or this task's own."""
        task = asyncio.current_task()
        flight = self._in_flight
        if flight is None or flight.task is not task or flight.landed:
            if self.busy:
                raise RuntimeError(message("chat.busy"))
            flight = self._in_flight = _InFlight(task, self._clears)
        try:
            yield flight
        finally:
            flight.streaming, flight.landed = False, True


@dataclass
class _InFlight:
    """The async reply in flight: its task, and whether `stop` was asked for."""

    task: asyncio.Task
    clears: int  # `Conversation._clears` when it was asked
    stop_asked: bool = False
    streaming: bool = False  # between its first step and its end: `stop` cancels the task
    landed: bool = False  # it ended (the task may go on with other work)


class _Progress:
    """What has arrived of one reply so far, and when."""

    def __init__(self, question: str, on_text: TextCallback | None, clears: int = 0) -> None:
        self.question = question
        self.clears = clears  # `Conversation._clears` when it was asked
        self.on_text = on_text
        self.started = time.perf_counter()
        self.reader: EventReader | AsyncEventReader | None = None  # it measures: first text, rate
        self.texts: list[str] = []
        self.poke: Callable[..., None] = _ignore  # tells the silence watch something came

    def listen_to_wire(self, stream: object) -> None:
        """Count every line on the wire as a sign of life, pings included (with a tap)."""
        record = wire_of(stream)
        if record is not None:
            record.listeners.append(self.poke)

    def take(self, event: StreamEvent) -> None:
        self.poke()
        if not event.text:
            return
        self.texts.append(event.text)
        if self.on_text is not None:
            self.on_text(event.text)

    def turn(self, keep_partial: bool) -> Turn:
        """The turn's record, from the stream's outcome."""
        outcome = self.reader.outcome if self.reader else StreamOutcome("stopped", None, "", None)
        usage = outcome.usage
        complete = outcome.complete
        output_tokens = usage.output_tokens if usage is not None and complete else None
        # An empty reply cannot go into the history: the API refuses empty messages.
        in_history = bool(outcome.text.strip()) and (complete or keep_partial)
        return Turn(
            question=self.question,
            reply=outcome.text,
            ending=outcome.ending,
            note=outcome.description,
            in_history=in_history,
            error=outcome.error,
            ttft=outcome.first_text_at,
            tokens_per_second=outcome.tokens_per_second if output_tokens is not None else None,
            input_tokens=usage.input_tokens if usage is not None else None,
            output_tokens=output_tokens,
            stop_reason=outcome.stop_reason,
        )


def _ignore(*_: object) -> None:
    pass
