"""Lessons 1-4's exercises: the notebooks' solutions are right, plausible mistakes are named.

Each test defines an answer (the notebook's own solution cell, or a learner's variant) in a
namespace holding the notebook's requests, runs the lesson's check on it, and reads the one
verdict line it printed. Replay is strict and instant, as in the suite.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest

from streaming_course.exercises import lesson01, lesson02, lesson03, lesson04
from streaming_course.i18n import message

from .exercises_05_08 import define, last_verdict, solution, verdict

IMPORTS = """
import os
import time
from collections import Counter

import anthropic
import httpx2

from streaming_course import load_settings, make_client
from streaming_course.printers import print_text, print_usage
from streaming_course.printers import PRICES
"""


@pytest.fixture(autouse=True)
def strict_instant_replay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMING_COURSE_MODE", "replay")
    monkeypatch.setenv("STREAMING_COURSE_REPLAY_STRICT", "1")
    monkeypatch.setenv("STREAMING_COURSE_REPLAY_SPEED", "0")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)


def space_for(module: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """A namespace with the imports the solutions use and the notebook's requests."""
    space: dict[str, Any] = {}
    exec(IMPORTS, space)
    for name in names:
        space[name] = module.request(name) if name != "HELLO" else module.hello()
    return space


def check(
    capsys: pytest.CaptureFixture[str], lesson: str, number: int, answer: Any, lang: str = "en"
) -> str:
    capsys.readouterr()
    verdict(lesson, number, answer, lang)
    return last_verdict(capsys.readouterr().out)


def right(lesson: str, number: int, lang: str = "en") -> str:
    return "✓ " + message(f"exercises.lesson{lesson}.q{number}.right", lang)


def wrong(lesson: str, exercise: int, key: str, lang: str = "en", /, **values: Any) -> str:
    return "✗ " + message(f"exercises.lesson{lesson}.q{exercise}.{key}", lang, **values)


# --- Lesson 1 ------------------------------------------------------------------------------

L01 = "01-setup"


def l01() -> dict[str, Any]:
    return space_for(lesson01, ("HELLO",))


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_01_solutions_are_right(capsys: pytest.CaptureFixture[str], lang: str) -> None:
    space = l01()
    for number, name in enumerate(("report_setup", "text_pieces", "instant_client"), start=1):
        answer = solution(space, L01, number, name)
        assert check(capsys, "01", number, answer, lang) == right("01", number, lang)


def test_01_a_report_written_differently_is_right(capsys: pytest.CaptureFixture[str]) -> None:
    answer = define(
        l01(),
        """
def report_setup(config):
    found = {True: "a key is set", False: "no key"}[config.has_api_key]
    print(f"{config.mode} / {config.model} / x{config.replay_speed} / {found}")
""",
        "report_setup",
    )
    assert check(capsys, "01", 1, answer).startswith("✓")


def test_01_a_report_that_prints_the_key_is_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    answer = define(
        l01(),
        """
def report_setup(settings):
    print(settings.mode, settings.model, settings.replay_speed)
    print("key:", os.environ.get("ANTHROPIC_API_KEY", "none"))
""",
        "report_setup",
    )
    assert check(capsys, "01", 1, answer) == wrong("01", 1, "key_shown")


def test_01_a_report_of_the_notebooks_settings_is_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    space = l01()
    space["settings"] = space["load_settings"]()
    answer = define(
        space,
        """
def report_setup(ignored):
    print("mode:", settings.mode, "model:", settings.model, "speed:", settings.replay_speed)
    print("key found:", settings.has_api_key)
""",
        "report_setup",
    )
    assert check(capsys, "01", 1, answer) == wrong("01", 1, "mode_missing", mode="live")


def test_01_a_report_without_the_key_question_is_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    answer = define(
        l01(), "def report_setup(s):\n    print(s.mode, s.model, s.replay_speed)", "report_setup"
    )
    assert check(capsys, "01", 1, answer) == wrong("01", 1, "key_found_missing")


def test_01_pieces_joined_into_one_string_are_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    answer = define(
        l01(),
        """
def text_pieces(client):
    text = ""
    for event in client.messages.create(**HELLO, stream=True):
        if event.type == "content_block_delta" and event.delta.type == "text_delta":
            text += event.delta.text
    return text
""",
        "text_pieces",
    )
    assert check(capsys, "01", 2, answer) == wrong("01", 2, "not_a_list_of_text")


def test_01_pieces_without_the_last_one_are_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    answer = define(
        l01(),
        """
def text_pieces(client):
    events = list(client.messages.create(**HELLO, stream=True))
    return [e.delta.text for e in events if e.type == "content_block_delta"][:-1]
""",
        "text_pieces",
    )
    assert check(capsys, "01", 2, answer).startswith(
        wrong("01", 2, "text_differs", got=0, expected=0)[:12]
    )


def test_01_a_client_at_the_recorded_pace_is_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    answer = define(
        l01(),
        """
def instant_client():
    return make_client(load_settings({"STREAMING_COURSE_MODE": "replay"}), banner=False)
""",
        "instant_client",
    )
    line = check(capsys, "01", 3, answer)
    assert line.startswith("✗ ") and "STREAMING_COURSE_REPLAY_SPEED" in line, line


# --- Lesson 2 ------------------------------------------------------------------------------

L02 = "02-raw-events"


def l02() -> dict[str, Any]:
    return space_for(lesson02, ("TIP", "COMMITS", "PASSWORDS", "CACHE", "FERRY"))


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_02_solutions_are_right(capsys: pytest.CaptureFixture[str], lang: str) -> None:
    space = l02()
    for number, name in enumerate(("count_events", "read_reply", "print_text_only"), start=1):
        answer = solution(space, L02, number, name)
        assert check(capsys, "02", number, answer, lang) == right("02", number, lang)


def test_02_counts_that_let_the_error_out_are_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    answer = define(
        l02(),
        """
def count_events(client):
    return Counter(event.type for event in client.messages.create(**COMMITS, stream=True))
""",
        "count_events",
    )
    line = check(capsys, "02", 1, answer)
    assert line == wrong("02", 1, "error_not_caught", error="APIStatusError")


def test_02_an_ending_without_the_message_stop_check_is_wrong(
    capsys: pytest.CaptureFixture[str],
) -> None:
    answer = define(
        l02(),
        """
def read_reply(client, request):
    text = ""
    try:
        for event in client.messages.create(**request, stream=True):
            if event.type == "content_block_delta" and event.delta.type == "text_delta":
                text += event.delta.text
    except anthropic.APIStatusError:
        return text, "error event"
    except httpx2.TransportError:
        return text, "dropped"
    return text, "complete"
""",
        "read_reply",
    )
    line = check(capsys, "02", 2, answer)
    assert line == wrong(
        "02", 2, "truncated_as_complete", name="PASSWORDS", got="complete", expected="truncated"
    )


def test_02_an_ending_that_misses_the_drop_is_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    answer = define(
        l02(),
        """
def read_reply(client, request):
    pieces, stopped = [], False
    try:
        for event in client.messages.create(**request, stream=True):
            if event.type == "message_stop":
                stopped = True
            elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                pieces.append(event.delta.text)
    except anthropic.APIError:  # an anthropic error only: a dropped connection is not one
        return "".join(pieces), "error event"
    return "".join(pieces), ("complete" if stopped else "truncated")
""",
        "read_reply",
    )
    assert check(capsys, "02", 2, answer) == wrong("02", 2, "drop_not_caught", name="CACHE")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_02_a_loop_that_reads_text_of_every_delta_is_wrong(
    capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    answer = define(
        l02(),
        """
def print_text_only(client, request):
    text = ""
    for event in client.messages.create(**request, stream=True):
        if event.type == "content_block_delta":  # no delta.type check (issue 11)
            print(event.delta.text, end="", flush=True)
            text += event.delta.text
    print()
    return text
""",
        "print_text_only",
    )
    line = check(capsys, "02", 3, answer, lang)
    assert line.startswith(
        wrong("02", 3, "read_text_of_other_delta", lang, name="FERRY", detail="")[:20]
    )
    assert "FERRY" in line and "text_delta" in line


def test_02_a_text_loop_written_differently_is_right(capsys: pytest.CaptureFixture[str]) -> None:
    answer = define(
        l02(),
        """
def print_text_only(api, req):
    kept = []
    with api.messages.create(**req, stream=True) as events:
        for ev in events:
            delta = getattr(ev, "delta", None)
            if getattr(delta, "type", None) == "text_delta":
                kept.append(delta.text)
                print(delta.text, end="", flush=True)
    print("")
    return "".join(kept)
""",
        "print_text_only",
    )
    assert check(capsys, "02", 3, answer) == right("02", 3)


# --- Lesson 3 ------------------------------------------------------------------------------

L03 = "03-text-deltas"


def l03() -> dict[str, Any]:
    return space_for(lesson03, ("CHAIN", "KETTLE", "README", "RAINY"))


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_03_solutions_are_right(capsys: pytest.CaptureFixture[str], lang: str) -> None:
    space = l03()
    for number, name in enumerate(("print_numbered", "word_counts", "reply_stats"), start=1):
        answer = solution(space, L03, number, name)
        assert check(capsys, "03", number, answer, lang) == right("03", number, lang)


def test_03_numbered_lines_that_lose_the_last_line_are_wrong(
    capsys: pytest.CaptureFixture[str],
) -> None:
    answer = define(
        l03(),
        """
def print_numbered(stream):
    buffer, number = "", 0
    for event in stream:
        if event.type == "content_block_delta" and event.delta.type == "text_delta":
            buffer += event.delta.text
            while "\\n" in buffer:
                line, buffer = buffer.split("\\n", 1)
                number += 1
                print(number, line)
""",
        "print_numbered",
    )
    line = check(capsys, "03", 1, answer)
    assert line.startswith("✗ ") and "KETTLE" in line
    last = lesson03.served(lesson03.request("KETTLE")).text.split("\n")
    assert line == wrong(
        "03", 1, "lost_last_line", name="KETTLE", number=len(last), expected=last[-1]
    )


def test_03_numbered_lines_without_the_delta_type_check_are_wrong(
    capsys: pytest.CaptureFixture[str],
) -> None:
    answer = define(
        l03(),
        """
def print_numbered(stream):
    buffer, number = "", 0
    for event in stream:
        if event.type == "content_block_delta":
            buffer += event.delta.text
            *lines, buffer = buffer.split("\\n")
            for line in lines:
                number += 1
                print(f"{number}: {line}")
    print(f"{number + 1}: {buffer}")
""",
        "print_numbered",
    )
    line = check(capsys, "03", 1, answer)
    assert line.startswith("✗ ") and "RAINY" in line and "text_delta" in line, line


def test_03_a_word_count_added_up_per_delta_is_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    pieces = [piece.text for piece in lesson03.served(lesson03.request("KETTLE")).pieces]
    cuts = [  # the deltas (numbered from 1) that continue a word the one before began
        number
        for number, (left, right) in enumerate(pairwise(pieces), start=2)
        if left[-1:].strip() and right[:1].strip()
    ]
    assert cuts, "the KETTLE replay should cut a word between two deltas"
    answer = define(
        l03(),
        """
def word_counts(stream):
    total, counts = 0, []
    for event in stream:
        if event.type == "content_block_delta" and event.delta.type == "text_delta":
            total += len(event.delta.text.split())
            counts.append(total)
    return counts
""",
        "word_counts",
    )
    line = check(capsys, "03", 2, answer)
    assert line.startswith("✗ ") and "KETTLE" in line
    first_words = len("".join(pieces[: cuts[0]]).split())
    assert line == wrong(
        "03",
        2,
        "added_up_per_delta",
        name="KETTLE",
        number=cuts[0],
        got=first_words + 1,
        expected=first_words,
    )


def test_03_stats_counting_pieces_as_lines_are_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    answer = define(
        l03(),
        """
def reply_stats(client, request):
    pieces = []
    result = print_text(client.messages.create(**request, stream=True))
    return len(result.text.split("\\n\\n")), len(result.text), result.complete
""",
        "reply_stats",
    )
    assert check(capsys, "03", 3, answer).startswith("✗ ")


def test_03_stats_with_the_ending_name_are_right(capsys: pytest.CaptureFixture[str]) -> None:
    answer = define(
        l03(),
        """
def reply_stats(client, request):
    r = print_text(client.messages.create(**request, stream=True))
    return r.text.count("\\n") + (not r.text.endswith("\\n")), len(r.text), r.ending
""",
        "reply_stats",
    )
    assert check(capsys, "03", 3, answer) == right("03", 3)


# --- Lesson 4 ------------------------------------------------------------------------------

L04 = "04-token-usage"


def l04() -> dict[str, Any]:
    return space_for(lesson04, ("TOKENS", "BREAD", "LIBRARY"))


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_04_solutions_are_right(capsys: pytest.CaptureFixture[str], lang: str) -> None:
    space = l04()
    for number, name in enumerate(("cost_of", "ask_with_room", "usage_of"), start=1):
        answer = solution(space, L04, number, name)
        assert check(capsys, "04", number, answer, lang) == right("04", number, lang)


def test_04_a_cost_without_the_million_is_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    answer = define(
        l04(),
        """
def cost_of(message, prices):
    per_input, per_output = prices["claude-haiku"]
    return message.usage.input_tokens * per_input + message.usage.output_tokens * per_output
""",
        "cost_of",
    )
    usage = lesson04.served(lesson04.request("BREAD")).message.usage
    per_input, per_output = lesson04.PRICES["claude-haiku"]
    got = usage.input_tokens * per_input + usage.output_tokens * per_output
    assert check(capsys, "04", 1, answer) == wrong("04", 1, "per_million", got=got)


def test_04_a_cost_with_the_notebooks_prices_is_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    answer = define(
        l04(),
        """
from streaming_course.printers.usage import price_for

def cost_of(message, prices):
    _, (i, o) = price_for(message.model, PRICES)
    return round((message.usage.input_tokens * i + message.usage.output_tokens * o) / 1e6, 6)
""",
        "cost_of",
    )
    assert check(capsys, "04", 1, answer) == wrong("04", 1, "ignored_prices")


def test_04_asking_again_always_is_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    answer = define(
        l04(),
        """
def ask_with_room(client, request):
    print_text(client.messages.create(**request, stream=True))
    return print_text(client.messages.create(**{**request, "max_tokens": 400}, stream=True))
""",
        "ask_with_room",
    )
    assert check(capsys, "04", 2, answer) == wrong("04", 2, "asked_again_needlessly", name="TOKENS")


def test_04_checking_only_completeness_is_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    answer = define(
        l04(),
        """
def ask_with_room(client, request):
    result = print_text(client.messages.create(**request, stream=True))
    if not result.complete:
        result = print_text(client.messages.create(**{**request, "max_tokens": 400}, stream=True))
    return result
""",
        "ask_with_room",
    )
    assert check(capsys, "04", 2, answer) == wrong("04", 2, "did_not_ask_again", name="BREAD")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_04_output_tokens_added_up_are_wrong(capsys: pytest.CaptureFixture[str], lang: str) -> None:
    answer = define(
        l04(),
        """
def usage_of(client, request):
    found = {"output_tokens": 0}
    for event in client.messages.create(**request, stream=True):
        if event.type == "message_start":
            found["input_tokens"] = event.message.usage.input_tokens
            found["output_tokens"] += event.message.usage.output_tokens
        elif event.type == "message_delta":
            found["output_tokens"] += event.usage.output_tokens
            found["stop_reason"] = event.delta.stop_reason
    return found
""",
        "usage_of",
    )
    outcome = lesson04.served(lesson04.request("TOKENS"))
    expected = outcome.message.usage.output_tokens
    added = expected + outcome.usage_at_start.output_tokens
    line = check(capsys, "04", 3, answer, lang)
    assert line == wrong("04", 3, "added_up", lang, name="TOKENS", got=added, expected=expected)


def test_04_input_tokens_kept_from_message_start_are_wrong(
    capsys: pytest.CaptureFixture[str],
) -> None:
    answer = define(
        l04(),
        """
def usage_of(client, request):
    usage = {}
    for event in client.messages.create(**request, stream=True):
        if event.type == "message_start":
            usage["input_tokens"] = event.message.usage.input_tokens
        if event.type == "message_delta":
            usage["output_tokens"] = event.usage.output_tokens
            usage["stop_reason"] = event.delta.stop_reason
    return usage
""",
        "usage_of",
    )
    outcome = lesson04.served(lesson04.request("LIBRARY"))
    line = check(capsys, "04", 3, answer)
    assert line == wrong(
        "04",
        3,
        "kept_start_input",
        name="LIBRARY",
        got=outcome.usage_at_start.input_tokens,
        expected=outcome.message.usage.input_tokens,
    )


def test_04_usage_from_the_sdks_final_message_is_right(capsys: pytest.CaptureFixture[str]) -> None:
    answer = define(
        l04(),
        """
def usage_of(client, request):
    with client.messages.stream(**request) as stream:
        final = stream.get_final_message()
    return dict(input_tokens=final.usage.input_tokens, output_tokens=final.usage.output_tokens,
                stop_reason=final.stop_reason)
""",
        "usage_of",
    )
    assert check(capsys, "04", 3, answer) == right("04", 3)


# --- Every lesson: an untouched starter is told to start, and hints come in two steps ------


@pytest.mark.parametrize("lesson", ["01", "02", "03", "04"])
def test_hints_come_in_two_steps_in_both_languages(
    capsys: pytest.CaptureFixture[str], lesson: str
) -> None:
    from streaming_course.exercises import exercises

    for lang in ("en", "ja"):
        for exercise in exercises(lesson, lang):
            capsys.readouterr()
            exercise.hint()
            exercise.hint()
            first, second = capsys.readouterr().out.splitlines()
            section = f"exercises.lesson{lesson}.q{exercise.number}"
            assert message(f"{section}.hint1", lang) in first
            assert message(f"{section}.hint2", lang) in second
