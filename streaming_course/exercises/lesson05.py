"""Lesson 5's exercises: TTFT by hand, what `max_tokens` changes, the pace after the first token.

The timing judges replay the essay at `PACE` times the recorded speed, whatever the learner's
replay speed, and compare what the learner measured with the recording's own seconds (scaled):
a clock started after ``create()`` returned misses the wait for the first byte, and shows.

>>> [name for name, _ in EXERCISES]
['time_first_text', 'short_essay_times', 'pace_after_first']
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise
from typing import Any

from ..config import load_settings
from ..outcome import Piece
from ..replay.fixture import Fixture
from ..replay.library import FixtureLibrary
from ..timing import Timing
from .core import Wrong
from .judging import judge_client, served, user_request

PACE = 2.0  # the timing checks play the essay twice as fast: about 2 s at the recorded pace
SLACK = 0.5  # seconds a busy machine may add to a measured time (at PACE)
PROMPT = "Write a long essay on how the printing press changed the way knowledge spread in Europe."


def essay(max_tokens: int = 500) -> dict[str, Any]:
    """The notebook's ``ESSAY`` request (``dict(ESSAY, max_tokens=100)`` with 100)."""
    return user_request(PROMPT, max_tokens)


def long_essay() -> dict[str, Any]:
    """The notebook's ``LONG`` request: the large model's essay on timekeeping."""
    prompt = (
        "Write a very long essay on the history of timekeeping, from sundials to atomic clocks."
    )
    return user_request(prompt, 1000, model=load_settings().large_model)


def recording(request: dict[str, Any]) -> Fixture:
    """The recording the replay streams for `request`."""
    library = FixtureLibrary.from_dirs(load_settings().fixture_dirs)
    fixture = library.find({**request, "stream": True}, strict=True)
    assert fixture is not None  # strict: a miss raises, naming the difference
    return fixture


def recorded_timing(request: dict[str, Any]) -> Timing:
    """The `Timing` that `measure` gives for `request` streamed at the recorded pace, at once.

    The course's reader reads the reply (replayed with no waiting); each piece then gets the
    time at which the recording sends it, and `Timing` computes the figures as it always does.
    """
    fixture = recording(request)
    outcome = served(request)
    sent = [event.at for event in fixture.events if _text_of(event)]
    pieces = tuple(Piece(at, piece.text) for at, piece in zip(sent, outcome.pieces, strict=True))
    recorded = replace(outcome, pieces=pieces, elapsed=fixture.duration)
    return Timing.of_outcome(recorded, model=request["model"])


def _text_of(event: Any) -> str:
    data = event.data if isinstance(event.data, dict) else {}
    delta = data.get("delta", {}) if event.type == "content_block_delta" else {}
    return delta.get("text", "") if delta.get("type") == "text_delta" else ""


def _two_times(answer: Any) -> tuple[float, float]:
    if answer is None:
        raise Wrong("returned_nothing")
    try:
        first, total = (float(value) for value in answer)
    except (TypeError, ValueError):
        raise Wrong("not_two_times", got=repr(answer)[:60]) from None
    return first, total


def _judge_times(first: float, total: float, expected: Timing) -> None:
    """Raise `Wrong` unless (first, total) are the expected TTFT and total, measured at PACE."""
    want_first, want_total = expected.ttft / PACE, expected.total / PACE
    if first <= 0 or total <= 0:
        raise Wrong("not_positive", first=first, total=total)
    if first >= total:
        raise Wrong("first_not_before_total", first=first, total=total)
    if first < 0.7 * want_first:
        raise Wrong("clock_started_late", first=first, expected=want_first)
    if first > want_first * 1.3 + SLACK:
        raise Wrong("first_too_late", first=first, expected=want_first)
    if abs(total - want_total) > 0.15 * want_total + SLACK:
        raise Wrong("total_off", total=total, expected=want_total)


def judge_time_first_text(time_first_text: Any) -> None:
    """The learner's (TTFT, total) of the streamed ESSAY match the recording's, scaled."""
    expected = recorded_timing(essay())  # first: reading the recordings takes time too
    first, total = _two_times(time_first_text(judge_client(speed=PACE)))
    _judge_times(first, total, expected)


def judge_short_essay_times(short_essay_times: Any) -> None:
    """The learner measured the 100-token essay, streamed: its TTFT is the long one's."""
    short, long = recorded_timing(essay(100)), recorded_timing(essay(500))
    first, total = _two_times(short_essay_times(judge_client(speed=PACE)))
    if abs(first - total) < 0.01 * total:
        raise Wrong("not_streamed", first=first, total=total)
    if abs(total - long.total / PACE) < abs(total - short.total / PACE):
        raise Wrong("long_essay", total=total)
    _judge_times(first, total, short)


def judge_pace_after_first(pace_after_first: Any) -> None:
    """The rate after the first text and the longest gap between two pieces, of a Timing."""
    timing = recorded_timing(long_essay())
    answer = pace_after_first(timing)
    if answer is None:
        raise Wrong("returned_nothing")
    try:
        rate, gap = (float(value) for value in answer)
    except (TypeError, ValueError):
        raise Wrong("not_two_numbers", got=repr(answer)[:60]) from None
    want_rate = timing.output_tokens / (timing.total - timing.ttft)
    times = timing.delta_times
    want_gap = max(later - earlier for earlier, later in pairwise(times))
    if abs(rate - timing.tokens_per_second) < 1e-6 * want_rate:
        raise Wrong("rate_overall", rate=rate)
    if abs(rate - want_rate) > 0.01 * want_rate:
        raise Wrong("rate_off", rate=rate)
    if abs(gap - timing.ttft) < 1e-9 < abs(timing.ttft - want_gap):  # 0 → first text counted
        raise Wrong("gap_includes_wait", gap=gap, ttft=timing.ttft)
    if abs(gap - want_gap) > 1e-6:
        raise Wrong("gap_off", gap=gap)


EXERCISES = [
    ("time_first_text", judge_time_first_text),
    ("short_essay_times", judge_short_essay_times),
    ("pace_after_first", judge_pace_after_first),
]
