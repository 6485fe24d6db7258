"""What a stream delivered, how it ended, and when its text arrived: a `StreamOutcome`.

`events` reads a stream and gives one at the end (``reader.outcome``); every helper of the
course reads its figures from it rather than measuring again: the reply's `pieces` with
their arrival times, `first_text_at`, the whole wait (`elapsed`) and `tokens_per_second`.

    >>> outcome = StreamOutcome("complete", None, "Hi!", None, pieces=(Piece(0.52, "Hi!"),))
    >>> outcome.first_text_at
    0.52
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

from anthropic.types import Message, Usage

from .i18n import message as localized
from .redact import redact

Ending = Literal["complete", "error_event", "dropped", "truncated", "malformed", "stopped"]


class StreamTruncated(Exception):
    """The body ended without ``message_stop``: the reply is incomplete (the SDK raises nothing)."""


class Piece(NamedTuple):
    """One piece of the reply's text, `at` seconds after the start of the request."""

    at: float
    text: str


@dataclass(frozen=True, repr=False)
class StreamOutcome:
    """What a stream delivered, how it ended, and when its text arrived.

    >>> outcome = StreamOutcome("truncated", message=None, text="Hel", error=None,
    ...                         pieces=(Piece(0.5, "He"), Piece(0.6, "l")), elapsed=0.8)
    >>> outcome.complete, outcome.first_text_at
    (False, 0.5)
    """

    ending: Ending
    message: Message | None  # the final message, or the partial one (None before message_start)
    text: str  # the reply's text as it arrived
    error: BaseException | None  # what ended it early (None when complete or stopped)
    usage_at_start: Usage | None = None  # as message_start gave it (None: not a stream)
    pieces: tuple[Piece, ...] = ()  # each piece of text as it arrived (its `text` joined)
    elapsed: float | None = None  # seconds from the request until the reply ended (None: unknown)

    def __repr__(self) -> str:  # short: a notebook shows it after the printed reply
        text = self.text if len(self.text) <= 40 else self.text[:39] + "…"
        return (
            f"StreamOutcome(ending={self.ending!r}, text={text!r}, "
            f"stop_reason={self.stop_reason!r})"
        )

    @classmethod
    def of_message(cls, message: Message, elapsed: float | None = None) -> StreamOutcome:
        """The outcome of a finished, non-streamed `Message`, `elapsed` s after the request.

        Its text is one piece, which arrived at the end (when `elapsed` is known).

        >>> StreamOutcome.of_message(message).ending  # doctest: +SKIP
        'complete'
        """
        text = "".join(block.text for block in message.content if block.type == "text")
        pieces = () if elapsed is None else (Piece(elapsed, text),)
        return cls("complete", message, text, None, pieces=pieces, elapsed=elapsed)

    @property
    def complete(self) -> bool:
        """True when the whole reply arrived (``message_stop`` was received)."""
        return self.ending == "complete"

    @property
    def usage(self) -> Usage | None:
        """The token usage so far, or None before message_start."""
        return self.message.usage if self.message is not None else None

    @property
    def first_text_at(self) -> float | None:
        """Seconds from the request to the first piece of text (None if no text came)."""
        return self.pieces[0].at if self.pieces else None

    @property
    def tokens_per_second(self) -> float:
        """Output tokens (so far) per second of the whole wait; 0.0 when either is unknown."""
        tokens = self.usage.output_tokens if self.usage is not None else 0
        return tokens / self.elapsed if tokens and self.elapsed else 0.0

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
