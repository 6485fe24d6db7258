"""Every exercise answers back: with the solutions removed no check says ✓, with them all do.

Each notebook of both editions is executed twice in replay mode (the kernels inherit the
suite's environment: strict replay at 100× the recorded pace):

- *not started*: the cells tagged ``solution`` are dropped, so every starter (tagged
  ``exercise``) is as shipped; every cell tagged ``check`` must print ✗, none ✓;
- *solved*: each starter's code is replaced by its solution's (the i-th ``exercise`` cell by
  the i-th ``solution`` cell), as a learner who wrote the solution would have it; every
  check must print ✓ and the progress cell must say all are done.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from streaming_course.i18n import message

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*/[0-9][0-9]-*.ipynb"))


def tagged(notebook: nbformat.NotebookNode, tag: str) -> list[nbformat.NotebookNode]:
    return [cell for cell in notebook.cells if tag in cell.metadata.get("tags", [])]


def printed(cell: nbformat.NotebookNode) -> str:
    return "".join(
        output.get("text", "")
        for output in cell.get("outputs", [])
        if output.output_type == "stream"
    )


def verdicts(cell: nbformat.NotebookNode) -> list[str]:
    return re.findall(r"^[✓✗].*$", printed(cell), flags=re.MULTILINE)


def execute(notebook: nbformat.NotebookNode, folder: Path) -> nbformat.NotebookNode:
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    return notebook


def not_started(path: Path) -> nbformat.NotebookNode:
    return without_solutions(nbformat.read(path, as_version=4))


def solved(path: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    for starter, solution in zip(
        tagged(notebook, "exercise"), tagged(notebook, "solution"), strict=True
    ):
        starter.source = copy.copy(solution.source)
    return without_solutions(notebook)


def without_solutions(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    solutions = tagged(notebook, "solution")
    notebook.cells = [cell for cell in notebook.cells if cell not in solutions]
    return notebook


def language(path: Path) -> str:
    return path.parent.name


@pytest.mark.parametrize("path", PATHS, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_every_exercise_has_a_starter_a_check_and_a_solution(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    starters, checks = tagged(notebook, "exercise"), tagged(notebook, "check")
    solutions = tagged(notebook, "solution")
    assert starters, f"{path.name}: no exercise"
    assert len(starters) == len(checks) == len(solutions), (
        f"{path.name}: {len(starters)} starters, {len(checks)} checks, {len(solutions)} solutions"
    )
    assert all(cell.metadata.get("jupyter", {}).get("source_hidden") for cell in solutions)
    order = [cell.id for cell in notebook.cells]
    for starter, check, solution in zip(starters, checks, solutions, strict=True):
        assert order.index(starter.id) < order.index(check.id) < order.index(solution.id)
    assert tagged(notebook, "progress"), f"{path.name}: no progress cell at the end"


@pytest.mark.parametrize("path", PATHS, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_without_the_solutions_no_check_says_right(path: Path) -> None:
    notebook = execute(not_started(path), path.parent)
    starting = message("exercises.not_started", language(path), name="")[:8]
    for check in tagged(notebook, "check"):
        lines = verdicts(check)
        assert lines and all(line.startswith("✗") for line in lines), (check.id, printed(check))
        assert starting in lines[0], (check.id, lines)
    progress = printed(tagged(notebook, "progress")[-1])
    total = len(tagged(notebook, "check"))
    assert progress.strip() == message("exercises.progress_none", language(path), total=total)


@pytest.mark.parametrize("path", PATHS, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_with_the_solutions_every_check_says_right(path: Path) -> None:
    notebook = execute(solved(path), path.parent)
    for check in tagged(notebook, "check"):
        lines = verdicts(check)
        assert lines and all(line.startswith("✓") for line in lines), (check.id, printed(check))
    progress = printed(tagged(notebook, "progress")[-1])
    total = len(tagged(notebook, "check"))
    assert progress.strip() == message("exercises.progress_all", language(path), total=total)
