"""Exercises that answer back: ``q1.check(answer)``, ``q1.hint()``, ``q1.solution()``.

>>> from streaming_course.exercises import exercises, progress
>>> q1, q2, q3 = exercises("05")          # doctest: +SKIP
"""

from .core import Exercise, NotStarted, Wrong, exercises, progress, solution_code, untouched
from .judging import arun_printing, async_judge_client, judge_client, run_printing, served

__all__ = [
    "Exercise",
    "NotStarted",
    "Wrong",
    "arun_printing",
    "async_judge_client",
    "exercises",
    "judge_client",
    "progress",
    "run_printing",
    "served",
    "solution_code",
    "untouched",
]
