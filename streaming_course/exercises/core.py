"""Exercises that answer back: `check` judges what the learner's code did, offline.

Each lesson's module (``lesson05.py``…) lists its exercises; a notebook asks for them once::

    q1, q2, q3 = exercises("05")
    q1.check(time_first_text)   # ✓ … or ✗ and the reason, or "not started yet"
    q1.hint()                   # a first hint; called again, a second one
    q1.solution()               # prints the solution cell's code, without running it

A judge runs the learner's function against the replay (so the verdict is the same on every
machine, with or without a key) and either returns (right) or raises `Wrong` naming the
mistake. Every word comes from the message catalogs, under ``exercises.lessonNN.qN``.

>>> import streaming_course.exercises.core as core
>>> def judge(answer):
...     if answer() != 42:
...         raise Wrong("not_42", got=answer())
>>> demo = Exercise("00", 1, judge, starter="answer", language="en")
>>> def answer():
...     ...  # your code here
>>> demo.check(answer)
✗ Not started yet: fill in answer() in the cell above, then run this cell again.
"""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import detect_language
from ..i18n import catalog, message

Judge = Callable[[Any], None]
AsyncJudge = Callable[[Any], Awaitable[None]]

_passed: dict[str, set[int]] = {}  # lesson → the exercises whose last check was right


class Wrong(Exception):
    """A judge's verdict that the answer is not right yet: a catalog key and its values.

    The key is looked up in the exercise's own section first (``exercises.lesson05.q1.KEY``),
    then among the shared reasons (``exercises.KEY``).
    """

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class NotStarted(Exception):
    """The starter is still as shipped (its body is only ``...``, ``pass`` or comments)."""


@dataclass
class Exercise:
    """One exercise of a lesson: its judge, the starter's name, and the hints already shown."""

    lesson: str
    number: int
    judge: Judge | AsyncJudge
    starter: str  # the name the starter cell defines, e.g. "time_first_text"
    language: str | None = None  # None: the learner's (the edition's)
    hints_shown: int = field(default=0, init=False)

    def check(self, answer: Any = ...) -> None:
        """Judge `answer` (the learner's function or value) and print one ✓ or ✗ line."""
        if inspect.iscoroutinefunction(self.judge):
            print(self._say("exercises.use_acheck", number=self.number))
            return
        try:
            _refuse_untouched(answer)
            self.judge(answer)
        except BaseException as error:  # every failure becomes one ✗ line
            self._report(error)
        else:
            self._report(None)

    async def acheck(self, answer: Any = ...) -> None:
        """`check` for an exercise whose judge awaits (an async loop): ``await q1.acheck(f)``."""
        if not inspect.iscoroutinefunction(self.judge):
            return self.check(answer)
        try:
            _refuse_untouched(answer)
            await self.judge(answer)
        except BaseException as error:  # every failure becomes one ✗ line
            self._report(error)
        else:
            self._report(None)

    def hint(self) -> None:
        """Print the first hint; called again, the second; then say where the solution is."""
        self.hints_shown += 1
        if self.hints_shown > 2:
            print(self._say("exercises.no_more_hints", number=self.number))
            return
        hint = self._say(f"{self._section}.hint{self.hints_shown}")
        print(self._say("exercises.hint", n=self.hints_shown, hint=hint))

    def solution(self, folder: Path | None = None) -> None:
        """Print the solution cell's code (tagged ``solution``) without running it."""
        code = solution_code(self.lesson, self.number, folder or Path.cwd())
        if code is None:
            print(self._say("exercises.solution_missing", number=self.number))
            return
        print(self._say("exercises.solution_header", number=self.number))
        print(code.rstrip("\n"))

    @property
    def _section(self) -> str:
        return f"exercises.lesson{self.lesson}.q{self.number}"

    def _report(self, error: BaseException | None) -> None:
        passed = _passed.setdefault(self.lesson, set())
        if error is None:
            passed.add(self.number)
            print("✓ " + self._say(f"{self._section}.right"))
            return
        passed.discard(self.number)
        if isinstance(error, KeyboardInterrupt):
            raise error
        print("✗ " + self._reason(error))

    def _reason(self, error: BaseException) -> str:
        if isinstance(error, NotStarted):
            return self._say("exercises.not_started", name=self.starter)
        if isinstance(error, Wrong):
            key = f"{self._section}.{error.key}"
            if not _has_message(key, self.language):
                key = f"exercises.{error.key}"
            return self._say(key, **error.values)
        detail = str(error).splitlines()[0] if str(error) else ""
        return self._say("exercises.raised", error=type(error).__name__, detail=detail)

    def _say(self, key: str, **values: object) -> str:
        return message(key, self.language, **values)


def exercises(lesson: str, language: str | None = None) -> list[Exercise]:
    """The exercises of a lesson (``"05"``), in order, ready to check."""
    from importlib import import_module

    module = import_module(f"{__package__}.lesson{lesson}")
    return [
        Exercise(lesson, number, judge, starter, language)
        for number, (starter, judge) in enumerate(module.EXERCISES, start=1)
    ]


def progress(lesson: str, total: int | None = None, language: str | None = None) -> str:
    """One line: how many of the lesson's exercises were checked right in this session.

    >>> progress("00", total=3, language="en")
    '0 of 3 exercises done.'
    """
    if total is None:
        from importlib import import_module

        total = len(import_module(f"{__package__}.lesson{lesson}").EXERCISES)
    done = sorted(_passed.get(lesson, set()))
    todo = [str(number) for number in range(1, total + 1) if number not in done]
    if not todo:
        return message("exercises.progress_all", language, total=total)
    if not done:
        return message("exercises.progress_none", language, total=total)
    return message(
        "exercises.progress", language, done=len(done), total=total, todo=", ".join(todo)
    )


def solution_code(lesson: str, number: int, folder: Path) -> str | None:
    """The source of solution cell `number` of the lesson's notebook in `folder`, if found."""
    for path in sorted(folder.glob(f"{lesson}-*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        solutions = [cell for cell in cells if "solution" in cell["metadata"].get("tags", [])]
        if len(solutions) >= number:
            return "".join(solutions[number - 1]["source"])
    return None


def untouched(function: Callable[..., object]) -> bool:
    """True when a function's body is only a docstring, ``...``, ``pass`` (and comments).

    >>> def starter():
    ...     '''Return the first text's time.'''
    ...     ...  # your code here
    >>> untouched(starter), untouched(lambda: 1)
    (True, False)
    """
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return False  # no source to read (a lambda in a string…): judge what it does
    definition = tree.body[0]
    if not isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    return all(_is_placeholder(statement) for statement in definition.body)


def _refuse_untouched(answer: Any) -> None:
    if answer is ... or answer is None:
        raise NotStarted
    if callable(answer) and inspect.isfunction(answer) and untouched(answer):
        raise NotStarted


def _is_placeholder(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Pass):
        return True
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


def _has_message(key: str, language: str | None) -> bool:
    return key in catalog("en") or key in catalog(language or detect_language())
