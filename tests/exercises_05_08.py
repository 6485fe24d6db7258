"""Shared by the tests of lessons 5-8's exercises: notebook cells as code, and verdict lines.

A test takes the notebook's own cells (the set-up, the requests, the solution) and runs
their definitions, so it judges exactly the code a learner sees.
"""

from __future__ import annotations

import ast
import asyncio
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

from streaming_course.exercises import core, exercises
from streaming_course.i18n import message

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def cell(stem: str, cell_id: str, edition: str = "en") -> str:
    """The source of one cell of notebooks/<edition>/<stem>.ipynb."""
    notebook = nbformat.read(NOTEBOOKS / edition / f"{stem}.ipynb", as_version=4)
    return next(c.source for c in notebook.cells if c.id == cell_id)


def definitions(source: str) -> str:
    """Only the imports, functions and classes of `source` (no calls that run requests)."""
    kept = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    tree = ast.parse(source)
    tree.body = [node for node in tree.body if isinstance(node, kept)]
    return ast.unparse(tree)


def namespace(stem: str, *cell_ids: str, extra: str = "") -> dict[str, Any]:
    """Run the given cells of the notebook (they must only define things) in a fresh namespace."""
    space: dict[str, Any] = {}
    for cell_id in cell_ids:
        exec(cell(stem, cell_id), space)
    exec(extra, space)
    return space


def define(space: dict[str, Any], source: str, name: str) -> Any:
    """Define `source` (a learner's answer) in `space` and return the function `name`."""
    exec(definitions(source), space)
    return space[name]


def solution(space: dict[str, Any], stem: str, number: int, name: str) -> Any:
    """The function `name` as the notebook's solution cell `number` defines it."""
    return define(space, cell(stem, f"solution-{number}"), name)


def verdict(lesson: str, number: int, answer: Any, language: str = "en") -> None:
    """Check `answer` as the notebook's check cell does (prints its verdict line)."""
    exercises(lesson, language)[number - 1].check(answer)


async def averdict(lesson: str, number: int, answer: Any, language: str = "en") -> None:
    await exercises(lesson, language)[number - 1].acheck(answer)


def last_verdict(printed: str) -> str:
    """The ✓ or ✗ line among what was printed."""
    lines = re.findall(r"^[✓✗].*$", printed, flags=re.MULTILINE)
    assert len(lines) == 1, printed
    return lines[0]


@pytest.fixture(autouse=True)
def fresh_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core, "_passed", {})


def judged(capsys: pytest.CaptureFixture[str], lesson: str, number: int, answer: Any) -> str:
    capsys.readouterr()
    check = averdict if asyncio.iscoroutinefunction(answer) else None
    if check is None:
        verdict(lesson, number, answer)
    else:
        asyncio.run(check(lesson, number, answer))
    return last_verdict(capsys.readouterr().out)


def right(lesson: str, number: int) -> str:
    return "✓ " + message(f"exercises.lesson{lesson}.q{number}.right", "en")
