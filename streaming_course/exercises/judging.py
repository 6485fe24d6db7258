"""What judges share: a replay client of their own, and running the learner's code.

A judge never uses the notebook's client: it makes its own replay client, so a check gives
the same verdict live or offline, costs nothing and needs no key. It runs the learner's
function with that client and looks at what came back and what was printed (the learner
still sees their own output: printing goes to the cell as well).

>>> result, printed = run_printing(print, "Hello", "stream")
Hello stream
>>> result, printed
(None, 'Hello stream\\n')
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, TypeVar

import anthropic

from ..client import make_async_client, replay_client, replay_transport
from ..config import load_settings
from ..events import StreamOutcome, read_events

T = TypeVar("T")


def judge_client(speed: float | None = None, **client_options: Any) -> anthropic.Anthropic:
    """A real `anthropic.Anthropic` over the course's replay, whatever the learner's mode.

    `speed` is the replay pace (1 = recorded; ``None``: the learner's replay speed; 0: no
    waits). Strictness follows the settings, so a test run (strict) catches a request the
    course has no recording for, and a learner's variation still gets a synthesized reply.
    """
    settings = load_settings()
    if speed is not None:
        settings = replace(settings, replay_speed=speed)
    return replay_client(replay_transport(settings), max_retries=0, **client_options)


def async_judge_client(speed: float | None = None) -> anthropic.AsyncAnthropic:
    """The async twin of `judge_client`."""
    settings = replace(load_settings(), mode="replay")
    if speed is not None:
        settings = replace(settings, replay_speed=speed)
    return make_async_client(settings, banner=False, max_retries=0)


def user_request(prompt: str, max_tokens: int, **fields: Any) -> dict[str, Any]:
    """A request of one user message to the learner's model, as the lessons write them.

    >>> user_request("Hi", 64, model="claude-opus-5-5")["messages"]
    [{'role': 'user', 'content': 'Hi'}]
    """
    fields.setdefault("model", load_settings().model)
    messages = [{"role": "user", "content": prompt}]
    return {"max_tokens": max_tokens, "messages": messages, **fields}


def served(request: dict[str, Any]) -> StreamOutcome:
    """What the replay sends for `request` (streamed), read by the course's own reader.

    The judge's reference: "the printed text equals the reply" compares with `.text`.
    """
    client = judge_client(speed=0)
    reader = read_events(client.messages.create(**{**request, "stream": True}))
    for _ in reader:
        pass
    return reader.outcome


def run_printing(function: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, str]:
    """Call `function`, returning its result and everything it printed (also shown as usual)."""
    captured = io.StringIO()
    try:
        with contextlib.redirect_stdout(_Tee(sys.stdout, captured)):
            result = function(*args, **kwargs)
    finally:
        _end_line(captured.getvalue())
    return result, captured.getvalue()


async def arun_printing(
    function: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any
) -> tuple[T, str]:
    """`run_printing` for an ``async def`` function: await it, keeping what it printed."""
    captured = io.StringIO()
    try:
        with contextlib.redirect_stdout(_Tee(sys.stdout, captured)):
            result = await function(*args, **kwargs)
    finally:
        _end_line(captured.getvalue())
    return result, captured.getvalue()


def _end_line(printed: str) -> None:
    """End the learner's unfinished last line on screen, so a verdict starts a line of its own."""
    if printed and not printed.endswith("\n"):
        sys.stdout.write("\n")


class _Tee(io.TextIOBase):
    """A text stream that writes to two others (the cell's output and a capture)."""

    def __init__(self, shown: Any, kept: io.StringIO) -> None:
        self._shown, self._kept = shown, kept

    def write(self, text: str) -> int:
        self._shown.write(text)
        return self._kept.write(text)

    def flush(self) -> None:
        self._shown.flush()
