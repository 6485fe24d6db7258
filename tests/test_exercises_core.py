"""The exercises' machinery: verdict lines, not-started, hints, solutions, progress."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from streaming_course.exercises import (
    Exercise,
    Wrong,
    core,
    progress,
    run_printing,
    served,
    untouched,
)


@pytest.fixture(autouse=True)
def fresh_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core, "_passed", {})


def judge_42(answer) -> None:
    got = answer()
    if got != 42:
        raise Wrong("not_42", got=got)


def demo(language: str = "en") -> Exercise:
    return Exercise("00", 1, judge_42, starter="answer", language=language)


def test_a_right_answer_prints_one_tick_line(capsys: pytest.CaptureFixture[str]) -> None:
    def answer():
        return 6 * 7

    demo().check(answer)
    assert capsys.readouterr().out == "✓ Right: 42.\n"


def test_a_wrong_answer_names_the_mistake_in_the_learners_language(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def answer():
        return 41

    demo().check(answer)
    demo("ja").check(answer)
    assert capsys.readouterr().out.splitlines() == [
        "✗ Expected 42, got 41.",
        "✗ 42 のはずが 41 でした。",
    ]


def test_an_untouched_starter_is_not_started(capsys: pytest.CaptureFixture[str]) -> None:
    def answer():
        """Return the answer."""
        ...  # your code here

    demo().check(answer)
    demo().check()  # the check run with nothing at all
    lines = capsys.readouterr().out.splitlines()
    assert lines == [lines[0]] * 2
    assert lines[0].startswith("✗ Not started yet: fill in answer()")


def test_an_error_in_the_learners_code_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    def answer():
        return undefined_name  # type: ignore[name-defined]  # noqa: F821

    demo().check(answer)
    out = capsys.readouterr().out
    assert out == "✗ Your code raised NameError: name 'undefined_name' is not defined\n"


def test_untouched_tells_a_starter_from_a_started_function() -> None:
    def starter(client):
        """Docstring."""
        pass  # your code here

    def started(client):
        """Docstring."""
        return client

    assert untouched(starter) and not untouched(started)


def test_hints_come_in_two_steps_then_point_to_the_solution(
    capsys: pytest.CaptureFixture[str],
) -> None:
    exercise = demo()
    for _ in range(3):
        exercise.hint()
    assert capsys.readouterr().out.splitlines() == [
        "Hint 1 of 2: The answer is a number.",
        "Hint 2 of 2: Six times seven.",
        "No more hints: q1.solution() shows a solution (or open the collapsed cell below).",
    ]


def test_the_solution_is_read_from_the_notebook_not_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cells = [
        {"cell_type": "code", "metadata": {"tags": ["exercise"]}, "source": ["..."]},
        {"cell_type": "code", "metadata": {"tags": ["solution"]}, "source": ["raise SystemExit\n"]},
    ]
    (tmp_path / "00-demo.ipynb").write_text(json.dumps({"cells": cells}), encoding="utf-8")
    demo().solution(tmp_path)
    demo().solution(tmp_path / "elsewhere")
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:3] == [
        "raise SystemExit",
        "The solution is the collapsed cell below this exercise (tagged solution).",
    ]


def test_progress_counts_the_exercises_checked_right_in_this_session(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert progress("00", total=2, language="en") == "0 of 2 exercises done."
    demo().check(lambda: 42)
    assert progress("00", total=2, language="en") == "1 of 2 exercises done (still to do: 2)."
    assert (
        progress("00", total=1, language="ja") == "演習 1 問すべて完了しました。お疲れさまでした！"
    )
    demo().check(lambda: 0)  # a later wrong answer takes the tick back
    assert progress("00", total=1, language="en") == "0 of 1 exercises done."


def test_an_async_judge_is_awaited(capsys: pytest.CaptureFixture[str]) -> None:
    async def judge(answer) -> None:
        if await answer() != 42:
            raise Wrong("not_42", got="?")

    exercise = Exercise("00", 1, judge, starter="answer", language="en")

    async def answer():
        return 42

    exercise.check(answer)
    asyncio.run(exercise.acheck(answer))
    assert capsys.readouterr().out.splitlines() == [
        "This exercise's check awaits: run `await q1.acheck(your_function)`.",
        "✓ Right: 42.",
    ]


def test_judges_see_what_was_printed_and_what_the_replay_served() -> None:
    request = {
        "model": "claude-haiku-5-5",
        "max_tokens": 100,
        "messages": [
            {
                "role": "user",
                "content": "Write a long essay on how the printing press changed the way "
                "knowledge spread in Europe.",
            }
        ],
    }
    outcome = served(request)
    assert outcome.ending == "complete" and outcome.text
    _, printed = run_printing(print, outcome.text, end="")
    assert printed == outcome.text
