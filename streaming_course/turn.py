"""One question and its reply, as a chat records it: how the reply ended, and how fast it came.

    >>> turn = Turn("Hi", "Hel", "dropped", "✂ Dropped.", in_history=False)
    >>> turn.retry_may_help, turn.problem()
    (True, '✂ Dropped. The question and its partial reply were left out of the history.')

`Conversation` (see `streaming_course.conversation`) makes one for each question asked.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

from .failures import RETRIED_STATUSES
from .i18n import message
from .redact import error_line

TurnEnding = Literal[
    "complete", "error_event", "dropped", "truncated", "malformed", "stopped", "failed"
]
"""How a turn ended: a stream's ending (see `events`), or "failed" when the request itself
was refused (an HTTP error, no connection) before any reply began, or something unexpected
broke the turn (its partial reply is kept)."""


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
            kept = message("chat.partial_kept")
        elif self.reply:
            kept = message("chat.partial_left_out")
        else:
            kept = message("chat.question_left_out")
        return message("chat.sentences", first=self.note, second=kept)  # no space after 。

    def to_dict(self) -> dict[str, Any]:
        """The turn as plain data (the error as its type and message)."""
        data = {each.name: getattr(self, each.name) for each in fields(self)}
        if self.error is not None:
            data["error"] = error_line(self.error)  # one line, keys and header values hidden
        return data


def markdown_transcript(turns: list[Turn], model: str, system: str | None = None) -> str:
    """The turns as a Markdown transcript, incomplete replies marked.

    >>> markdown_transcript([], "claude-haiku-5-5").splitlines()[0]
    '# Conversation with claude-haiku-5-5'
    """
    lines = [f"# {message('chat.export_title', model=model)}", ""]
    if system:
        lines += [f"*{message('chat.system_label')}:* {system}", ""]
    for turn in turns:
        lines += [f"**{message('chat.you')}:** {turn.question}", ""]
        if turn.reply:
            lines += [f"**{message('chat.assistant')}:**", "", turn.reply, ""]
        if not turn.complete:
            lines += [f"> {turn.problem()}", ""]
    return "\n".join(lines).rstrip() + "\n"
