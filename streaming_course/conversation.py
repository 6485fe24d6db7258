"""A chat's history and the logic of one turn, shared by the chat panel and the terminal chat.

    >>> conversation = Conversation(make_async_client(), MODEL)         # doctest: +SKIP
    >>> turn = await conversation.stream_reply("Hi!", on_text=print)    # doctest: +SKIP
    >>> turn.complete, [m["role"] for m in conversation.messages]       # doctest: +SKIP
    (True, ['user', 'assistant'])

Pass `on_silence` to hear when nothing has arrived for `silence_after` seconds (a stall):
the front end says so (see `streaming_course.silence`).

`messages` is always a valid request history: it starts with a user message and the roles
alternate. A turn that does not complete (an error, a dropped connection, Stop) leaves the
history as it was, or, with ``keep_partial=True``, adds the question with the partial reply.
The turn's `Turn` record keeps the partial reply either way.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Literal

import anthropic

from .events import (
    AsyncEventReader,
    EventReader,
    StreamEvent,
    StreamOutcome,
    aread_events,
    read_events,
)
from .failures import RETRIED_STATUSES, describe_failure
from .i18n import message
from .redact import error_line, redact
from .replay.tap import wire_of
from .silence import SILENCE_AFTER, AsyncSilenceWatch, SilenceCallback, SilenceWatch

TurnEnding = Literal[
    "complete", "error_event", "dropped", "truncated", "malformed", "stopped", "failed"
]
"""How a turn ended: a stream's ending (see `events`), or "failed" when the request itself
was refused (an HTTP error, no connection) before any reply began, or something unexpected
broke the turn (its partial reply is kept)."""

REQUEST_FAILURES = (anthropic.APIStatusError, anthropic.APIConnectionError)
"""What `messages.create()` raises when the API refuses a request or cannot be reached."""

TextCallback = Callable[[str], None]
"""Receives each piece of the reply's text as it arrives."""


@dataclass(frozen=True)
class Turn:
    """One question and its reply, with how the reply ended and how fast it came.

    >>> turn = Turn("Hi", "Hello!", "complete", "done", in_history=True, output_tokens=3)
    >>> turn.complete
    True
    """

    question: str
    reply: str  # the whole reply, or the part that arrived
    ending: TurnEnding
    note: str  # one line saying how the reply ended
    in_history: bool  # whether the question and reply went into `Conversation.messages`
    error: BaseException | None = None
    ttft: float | None = None  # seconds from the request to the first text
    tokens_per_second: float | None = None  # output tokens / seconds from request to end
    input_tokens: int | None = None
    output_tokens: int | None = None  # only known for a complete reply
    stop_reason: str | None = None

    @property
    def complete(self) -> bool:
        """True when the whole reply arrived."""
        return self.ending == "complete"

    @property
    def retry_may_help(self) -> bool:
        """True when asking again may help: the reply broke on the way, or the API was busy.

        >>> Turn("Hi", "Hel", "dropped", "", in_history=False).retry_may_help
        True
        """
        if self.complete or self.ending == "stopped":
            return False
        status = getattr(self.error, "status_code", None)
        return status is None or status == 200 or status in RETRIED_STATUSES or status >= 500

    def figures(self) -> str:
        """One line of measurements: first token, speed, tokens, stop reason.

        >>> Turn("Hi", "Hello!", "complete", "", True, ttft=0.5, stop_reason="end_turn").figures()
        'first token after 0.50 s · stop reason: end_turn'
        """
        parts = []
        if self.ttft is not None:
            parts.append(message("chat.ttft", seconds=self.ttft))
        if self.tokens_per_second is not None:
            parts.append(message("chat.rate", rate=self.tokens_per_second))
        if self.output_tokens is not None:
            parts.append(message("chat.tokens", input=self.input_tokens, output=self.output_tokens))
        elif self.input_tokens is not None:
            parts.append(message("chat.tokens_in", input=self.input_tokens))
        if self.stop_reason is not None:
            parts.append(message("chat.stop_reason", reason=self.stop_reason))
        return " · ".join(parts)

    def problem(self) -> str:
        """One line saying what went wrong and what the history kept; "" for a complete turn.

        >>> Turn("Hi", "Hel", "stopped", "Stopped.", in_history=False).problem()
        'Stopped. The question and its partial reply were left out of the history.'
        """
        if self.complete:
            return ""
        if self.in_history:
            return f"{self.note} {message('chat.partial_kept')}"
        if self.reply:
            return f"{self.note} {message('chat.partial_left_out')}"
        return f"{self.note} {message('chat.question_left_out')}"

    def to_dict(self) -> dict[str, Any]:
        """The turn as plain data (the error as its type and message)."""
        data = {each.name: getattr(self, each.name) for each in fields(self)}
        if self.error is not None:
            data["error"] = error_line(self.error)  # one line, keys and header values hidden
        return data


@dataclass
class Conversation:
    """A chat with one model: the history the API gets, and one `Turn` per question asked.

    Use an `AsyncAnthropic` client with `stream_reply` / `retry`, or an `Anthropic` client
    with their twins `stream_reply_sync` / `retry_sync`.

        >>> conversation = Conversation(make_client(), MODEL, system="Be brief.")  # doctest: +SKIP
        >>> conversation.stream_reply_sync("Hi!", on_text=print).reply            # doctest: +SKIP
        'Hello! What can I do for you?'
    """

    client: anthropic.AsyncAnthropic | anthropic.Anthropic | None  # None: not set up yet
    model: str
    system: str | None = None
    max_tokens: int = 1024
    keep_partial: bool = False  # keep an incomplete reply in the history, with its question
    silence_after: float = SILENCE_AFTER  # seconds with nothing arriving before `on_silence`
    turns: list[Turn] = field(default_factory=list)
    _history: list[dict[str, str]] = field(default_factory=list, init=False, repr=False)

    @property
    def messages(self) -> list[dict[str, str]]:
        """A copy of the history sent with the next question: user and assistant, alternating."""
        return [dict(entry) for entry in self._history]

    async def stream_reply(
        self,
        question: str,
        on_text: TextCallback | None = None,
        on_silence: SilenceCallback | None = None,
    ) -> Turn:
        """Ask `question` and stream the reply, passing each piece of text to `on_text`.

        Cancel the task running it to stop the reply: the turn is recorded as stopped
        (see `turns`) and the cancellation goes on. `on_silence(seconds)` is called (in
        the event loop) when nothing has arrived for `silence_after` seconds.
        """
        self._check_client(anthropic.AsyncAnthropic)
        progress = _Progress(question, on_text)
        watch = AsyncSilenceWatch(on_silence, self.silence_after)
        try:
            async with watch:
                progress.poke = watch.poke
                stream = await self.client.messages.create(**self._request(question), stream=True)
                progress.reader = aread_events(stream, started=progress.started)
                progress.listen_to_wire(stream)
                async for event in progress.reader:
                    progress.take(event)
        except REQUEST_FAILURES as error:
            return self._record(progress, failure=error)
        except asyncio.CancelledError:
            self._record(progress)
            raise
        except Exception as error:  # never lose the conversation to a surprise
            return self._record(progress, failure=error)
        return self._record(progress)

    def stream_reply_sync(
        self,
        question: str,
        on_text: TextCallback | None = None,
        on_silence: SilenceCallback | None = None,
    ) -> Turn:
        """The twin of `stream_reply` for an `Anthropic` client; Ctrl-C stops the reply.

        After Ctrl-C the turn is recorded as stopped and `KeyboardInterrupt` goes on.
        `on_silence` is called from a watching thread.
        """
        self._check_client(anthropic.Anthropic)
        progress = _Progress(question, on_text)
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

    async def retry(
        self, on_text: TextCallback | None = None, on_silence: SilenceCallback | None = None
    ) -> Turn:
        """Ask the last question again, in place of its turn (see `undo_last_turn`)."""
        return await self.stream_reply(self.undo_last_turn(), on_text, on_silence)

    def retry_sync(
        self, on_text: TextCallback | None = None, on_silence: SilenceCallback | None = None
    ) -> Turn:
        """The twin of `retry` for an `Anthropic` client."""
        return self.stream_reply_sync(self.undo_last_turn(), on_text, on_silence)

    def undo_last_turn(self) -> str:
        """Remove the last turn, and its messages if the history kept them; return its question.

        >>> conversation.undo_last_turn()  # doctest: +SKIP
        'Which of those three needs the most water?'
        """
        if not self.turns:
            raise ValueError(message("chat.nothing_to_retry"))
        turn = self.turns.pop()
        if turn.in_history:
            del self._history[-2:]
        return turn.question

    def record_unsent(self, question: str, error: BaseException | None = None) -> Turn:
        """Record a question that never reached the API, and return its turn.

        With no `error` it was stopped before the request went out; with one, something
        (a setting, a bad recording) kept the request from being made: the error's own
        message is the note, since it says what to fix.

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
        """Forget every turn: the next question starts a new conversation."""
        self.turns.clear()
        self._history.clear()

    def to_markdown(self) -> str:
        """The conversation as a Markdown transcript, incomplete replies marked.

        >>> Conversation(None, "claude-haiku-5-5").to_markdown().splitlines()[0]
        '# Conversation with claude-haiku-5-5'
        """
        lines = [f"# {message('chat.export_title', model=self.model)}", ""]
        if self.system:
            lines += [f"*{message('chat.system_label')}:* {self.system}", ""]
        for turn in self.turns:
            lines += [f"**{message('chat.you')}:** {turn.question}", ""]
            if turn.reply:
                lines += [f"**{message('chat.assistant')}:**", "", turn.reply, ""]
            if not turn.complete:
                lines += [f"> {turn.problem()}", ""]
        return "\n".join(lines).rstrip() + "\n"

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

    def _check_client(self, expected: type) -> None:
        if not isinstance(self.client, expected):
            twin = "stream_reply_sync" if expected is anthropic.AsyncAnthropic else "stream_reply"
            raise TypeError(message("chat.wrong_client", expected=expected.__name__, twin=twin))

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
        if turn.in_history:
            self._history += [
                {"role": "user", "content": turn.question},
                {"role": "assistant", "content": turn.reply},
            ]
        self.turns.append(turn)
        return turn


class _Progress:
    """What has arrived of one reply so far, and when."""

    def __init__(self, question: str, on_text: TextCallback | None) -> None:
        self.question = question
        self.on_text = on_text
        self.started = time.perf_counter()
        self.reader: EventReader | AsyncEventReader | None = None
        self.first_text_at: float | None = None
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
        if self.first_text_at is None:
            self.first_text_at = event.at
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
            ttft=self.first_text_at,
            tokens_per_second=self._rate(output_tokens),
            input_tokens=usage.input_tokens if usage is not None else None,
            output_tokens=output_tokens,
            stop_reason=outcome.stop_reason,
        )

    def _rate(self, output_tokens: int | None) -> float | None:
        """Output tokens per second of the whole wait, as `timing.Timing` counts them."""
        total = time.perf_counter() - self.started
        return output_tokens / total if output_tokens is not None and total > 0 else None


def _ignore(*_: object) -> None:
    pass
