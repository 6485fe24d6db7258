"""Lessons 5 and 6's exercises judge what the code did: the notebooks' solutions pass, and the
plausible mistakes (a clock started after ``create()``, a field announced before it is
final, two user turns in a row…) get a ✗ that names them.

Each answer is defined from source, in a namespace built from the notebook's own cells (its
set-up, requests and tools), as the learner's code would run in the notebook.
"""

from __future__ import annotations

from typing import Any

import pytest

from .exercises_05_08 import (  # noqa: F401 — fresh_progress: an autouse fixture
    averdict,
    define,
    fresh_progress,
    judged,
    last_verdict,
    namespace,
    right,
    solution,
    verdict,
)

L05, L06 = "05-time-to-first-token", "06-stream-helpers-and-handlers"
L07, L08 = "07-beyond-text", "08-tools-in-a-streamed-loop"


# ---------------------------------------------------------------- lesson 5: time to first token


@pytest.fixture(scope="module")
def ns05() -> dict[str, Any]:
    return namespace(L05, "setup", "essay-request", "describe", extra="import time")


def test_05_solutions_are_right(ns05, capsys) -> None:
    names = ["time_first_text", "short_essay_times", "pace_after_first"]
    for number, name in enumerate(names, start=1):
        answer = solution(ns05, L05, number, name)
        assert judged(capsys, "05", number, answer) == right("05", number)


def test_05_a_clock_started_after_create_returned_is_caught(ns05, capsys) -> None:
    late = define(
        ns05,
        """
def time_first_text(client):
    stream = client.messages.create(**ESSAY, stream=True)
    started = time.perf_counter()  # too late: create() waited for the first byte
    first = None
    for event in stream:
        if event.type == "content_block_delta" and first is None:
            first = time.perf_counter() - started
        elif event.type == "message_stop":
            end = time.perf_counter() - started
    return first, end
""",
        "time_first_text",
    )
    line = judged(capsys, "05", 1, late)
    assert line.startswith("✗") and "start the clock before calling create()" in line


def test_05_a_first_time_overwritten_by_every_delta_is_caught(ns05, capsys) -> None:
    last = define(
        ns05,
        """
def time_first_text(client):
    started = time.perf_counter()
    for event in client.messages.create(**ESSAY, stream=True):
        if event.type == "content_block_delta":
            first = time.perf_counter() - started  # every delta: the last one's time
        elif event.type == "message_stop":
            end = time.perf_counter() - started
    return first, end
""",
        "time_first_text",
    )
    line = judged(capsys, "05", 1, last)
    assert line.startswith("✗") and "at the first content_block_delta" in line


def test_05_a_right_answer_written_differently_passes(ns05, capsys) -> None:
    helper = define(
        ns05,
        """
def time_first_text(client):
    t0 = time.perf_counter()
    seen = None
    with client.messages.stream(**ESSAY) as s:
        for ev in s:
            if ev.type == "text" and seen is None:
                seen = time.perf_counter() - t0
    return [seen, time.perf_counter() - t0]
""",
        "time_first_text",
    )
    assert judged(capsys, "05", 1, helper) == right("05", 1)


def test_05_not_streamed_or_not_shortened_is_caught(ns05, capsys) -> None:
    whole = define(
        ns05,
        """
def short_essay_times(client):
    timing = measure(client, stream=False, **dict(ESSAY, max_tokens=100))
    return timing.ttft, timing.total
""",
        "short_essay_times",
    )
    assert "that is a reply not streamed" in judged(capsys, "05", 2, whole)
    long = define(
        ns05,
        """
def short_essay_times(client):
    timing = measure(client, stream=True, **ESSAY)
    return timing.ttft, timing.total
""",
        "short_essay_times",
    )
    assert "is the 500-token essay's" in judged(capsys, "05", 2, long)


def test_05_the_overall_rate_and_the_first_wait_are_caught(ns05, capsys) -> None:
    overall = define(
        ns05,
        """
def pace_after_first(timing):
    gaps = [b - a for a, b in zip(timing.delta_times, timing.delta_times[1:])]
    return timing.tokens_per_second, max(gaps)
""",
        "pace_after_first",
    )
    assert "is the overall rate (tokens_per_second)" in judged(capsys, "05", 3, overall)
    from_zero = define(
        ns05,
        """
def pace_after_first(timing):
    times = [0.0, *timing.delta_times]
    gaps = [b - a for a, b in zip(times, times[1:])]
    return timing.output_tokens / (timing.total - timing.ttft), max(gaps)
""",
        "pace_after_first",
    )
    assert "is the wait before the first text" in judged(capsys, "05", 3, from_zero)


def test_05_the_reason_is_in_the_learners_language(ns05, capsys) -> None:
    overall = define(
        ns05,
        """
def pace_after_first(timing):
    return timing.tokens_per_second, 0.1
""",
        "pace_after_first",
    )
    capsys.readouterr()
    verdict("05", 3, overall, language="ja")
    line = last_verdict(capsys.readouterr().out)
    assert line.startswith("✗") and "全体の速さ（tokens_per_second）" in line


# ---------------------------------------------------------- lesson 6: stream helpers, handlers


@pytest.fixture(scope="module")
def ns06() -> dict[str, Any]:
    return namespace(
        L06,
        "setup",
        "poem-request",
        "paper-request",
        "async-client",
        extra="from streaming_course.handlers import StreamHandler",
    )


def test_06_solutions_are_right(ns06, capsys) -> None:
    for number, name in enumerate(["count_text", "first_sentence", "complete_text"], start=1):
        answer = solution(ns06, L06, number, name)
        assert judged(capsys, "06", number, answer) == right("06", number)


COUNTER = """
class Wrong(StreamHandler):
    def __init__(self):
        self.pieces = self.characters = 0

    def on_text(self, text, snapshot):
        self.pieces += 1
        self.characters += {characters}
        {extra}

    def on_end(self):
        print(self.pieces, "pieces,", self.characters, "characters")


def count_text(stream):
    handler = Wrong()
    handler.run(stream)
    return handler.pieces, handler.characters
"""


def test_06_counting_snapshots_or_printing_pieces_is_caught(ns06, capsys) -> None:
    snapshots = define(ns06, COUNTER.format(characters="len(snapshot)", extra="pass"), "count_text")
    assert "the sum of every snapshot's length" in judged(capsys, "06", 1, snapshots)
    chatty = define(ns06, COUNTER.format(characters="len(text)", extra="print(text)"), "count_text")
    assert "print nothing during the stream" in judged(capsys, "06", 1, chatty)


def test_06_a_counter_on_every_event_is_caught_and_one_on_text_events_passes(ns06, capsys) -> None:
    source = """
class Events(StreamHandler):
    def __init__(self):
        self.n, self.chars = 0, 0

    def on_stream_event(self, event):
        if {condition}:
            self.n += 1
            self.chars += len(getattr(event, "text", ""))

    def on_end(self):
        print(f"{{self.n}} pieces / {{self.chars}} chars")


def count_text(stream):
    events = Events()
    events.run(stream)
    return (events.n, events.chars)
"""
    every = define(ns06, source.format(condition="True"), "count_text")
    assert "count in on_text, not in on_stream_event" in judged(capsys, "06", 1, every)
    texts = define(ns06, source.format(condition='event.type == "text"'), "count_text")
    assert judged(capsys, "06", 1, texts) == right("06", 1)


def test_06_reading_to_the_end_is_caught_and_text_stream_passes(ns06, capsys) -> None:
    whole = define(
        ns06,
        """
def first_sentence(stream):
    with stream as s:
        message = s.get_final_message()
    print(message.content[0].text.split(".")[0] + ".")
    return message
""",
        "first_sentence",
    )
    assert "you read the whole reply" in judged(capsys, "06", 2, whole)
    pieces = define(
        ns06,
        """
def first_sentence(stream):
    with stream as s:
        so_far = ""
        for piece in s.text_stream:
            so_far += piece
            if "." in piece:
                break
        snap = s.current_message_snapshot
    print(so_far[: so_far.index(".") + 1])
    return snap
""",
        "first_sentence",
    )
    assert judged(capsys, "06", 2, pieces) == right("06", 2)


def test_06_a_broken_off_reply_kept_as_text_is_caught(ns06, capsys) -> None:
    trusting = define(
        ns06,
        """
async def complete_text(aclient, request):
    async with aclient.messages.stream(**request) as stream:
        async for text in stream.text_stream:
            print(text, end="")
        return await stream.get_final_text()  # no look at stop_reason
""",
        "complete_text",
    )
    assert "check stop_reason and return None" in judged(capsys, "06", 3, trusting)
