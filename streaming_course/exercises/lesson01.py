"""Lesson 01's exercises: a set-up report that hides the key, a first loop, an instant client.

Each judge runs the learner's function and looks at what it printed or returned:

1. ``report_setup(settings)`` prints the mode, the model, the replay speed and whether a key
   was found, for settings the judge makes up, and never the (made-up) key itself;
2. ``text_pieces(client)`` streams ``HELLO`` and returns its text pieces, one per delta;
3. ``instant_client()`` returns a client that replays ``HELLO`` without waiting.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import anthropic

from ..config import Settings, load_settings
from .core import Wrong
from .judging import judge_client, run_printing, served

PROMPT_HELLO = "In one sentence, what does it mean for an API to stream its response?"
MADE_UP_KEY = "sk-ant-" + "judge-0000-not-a-real-key-7f3a9c"  # made at run time: never a real key


def hello() -> dict[str, Any]:
    """The notebook's ``HELLO`` request, for the learner's model."""
    return dict(
        model=load_settings().model,
        max_tokens=200,
        messages=[{"role": "user", "content": PROMPT_HELLO}],
    )


# --- Exercise 1: a report of the settings that never shows the key -------------------------


def judge_report_setup(report_setup: Callable[[Settings], object]) -> None:
    """Right when each made-up set-up's report names its own values and hides the key."""
    ordinary = load_settings()
    with_key = {
        "STREAMING_COURSE_MODE": "live",
        "STREAMING_COURSE_MODEL": ordinary.large_model,
        "STREAMING_COURSE_REPLAY_SPEED": "0.5",
        "ANTHROPIC_API_KEY": MADE_UP_KEY,
    }
    without_key = {
        "STREAMING_COURSE_MODE": "replay",
        "STREAMING_COURSE_MODEL": ordinary.model,
        "STREAMING_COURSE_REPLAY_SPEED": "3",
    }
    with_key_report = _report(report_setup, with_key)
    without_key_report = _report(report_setup, without_key)
    for environ, report in ((with_key, with_key_report), (without_key, without_key_report)):
        settings = load_settings(environ)
        if not report.strip():
            raise Wrong("printed_nothing")
        if settings.mode not in report:
            raise Wrong("mode_missing", mode=settings.mode)
        if settings.model not in report:
            raise Wrong("model_missing", model=settings.model)
        if settings.replay_speed not in _numbers(report):
            raise Wrong("speed_missing", speed=f"{settings.replay_speed:g}")
    no_key_at_all = _report(report_setup, {**with_key, "ANTHROPIC_API_KEY": ""})
    if no_key_at_all == with_key_report:
        raise Wrong("key_found_missing")


def _report(report_setup: Callable[[Settings], object], environ: dict[str, str]) -> str:
    """What `report_setup` printed for these settings, with the same key in os.environ."""
    with _environment_key(environ.get("ANTHROPIC_API_KEY", "")):
        _, printed = run_printing(report_setup, load_settings(environ))
    if _shows_key(printed):
        raise Wrong("key_shown")
    return printed


@contextmanager
def _environment_key(key: str) -> Iterator[None]:
    """Put `key` (or no key) in ``os.environ`` for a moment, as `.env` would."""
    saved = os.environ.get("ANTHROPIC_API_KEY")
    if key:
        os.environ["ANTHROPIC_API_KEY"] = key
    else:
        os.environ.pop("ANTHROPIC_API_KEY", None)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("ANTHROPIC_API_KEY", None)
        else:
            os.environ["ANTHROPIC_API_KEY"] = saved


def _shows_key(printed: str) -> bool:
    """True when any 12 characters of the made-up key after its ``sk-ant-`` were printed."""
    secret = MADE_UP_KEY.removeprefix("sk-ant-")
    return any(secret[start : start + 12] in printed for start in range(len(secret) - 11))


def _numbers(text: str) -> set[float]:
    """The numbers written in `text` ("0.5", "3", "3.0×" …)."""
    return {float(number) for number in re.findall(r"\d+(?:\.\d+)?", text)}


# --- Exercise 2: a first streaming loop that keeps the pieces ------------------------------


def judge_text_pieces(text_pieces: Callable[[anthropic.Anthropic], object]) -> None:
    """Right when the list holds the reply's text pieces, in order, one per text delta."""
    expected = [piece.text for piece in served(hello()).pieces]
    pieces = text_pieces(judge_client(speed=0))
    if pieces is None:
        raise Wrong("returned_nothing")
    if isinstance(pieces, str) or not all(isinstance(piece, str) for piece in pieces):
        raise Wrong("not_a_list_of_text")
    pieces = list(pieces)
    if "".join(pieces) != "".join(expected):
        raise Wrong("text_differs", got=len("".join(pieces)), expected=len("".join(expected)))
    if len(pieces) != len(expected):
        raise Wrong("count_differs", got=len(pieces), expected=len(expected))


# --- Exercise 3: a replay client that does not wait ----------------------------------------


def judge_instant_client(instant_client: Callable[[], object]) -> None:
    """Right when the client replays ``HELLO`` (the recorded text) far faster than recorded."""
    client = instant_client()
    if client is None:
        raise Wrong("returned_nothing")
    if not isinstance(client, anthropic.Anthropic):
        raise Wrong("not_a_client", got=type(client).__name__)
    recorded = _stream_seconds(judge_client(speed=1))
    started = time.perf_counter()
    text = "".join(_texts(client.messages.create(**hello(), stream=True)))
    took = time.perf_counter() - started
    if text != served(hello()).text:
        raise Wrong("not_replayed")
    if took > recorded / 4:
        raise Wrong("still_waits", took=f"{took:.2f}", recorded=f"{recorded:.2f}")


def _stream_seconds(client: anthropic.Anthropic) -> float:
    started = time.perf_counter()
    for _ in client.messages.create(**hello(), stream=True):
        pass
    return time.perf_counter() - started


def _texts(stream: Any) -> Iterator[str]:
    for event in stream:
        if event.type == "content_block_delta" and event.delta.type == "text_delta":
            yield event.delta.text


EXERCISES = [
    ("report_setup", judge_report_setup),
    ("text_pieces", judge_text_pieces),
    ("instant_client", judge_instant_client),
]
