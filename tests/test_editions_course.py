"""The course's own editions: in step now, and the drift checks work on the real notebooks."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from streaming_course.cli import main
from streaming_course.maintain import editions

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def test_every_edition_is_complete_and_in_step(capsys):
    assert main(["editions", "check", "--strict", "--root", str(NOTEBOOKS)]) == 0, (
        capsys.readouterr().out
    )


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "notebooks"
    for lang in ("en", "ja"):
        shutil.copytree(NOTEBOOKS / lang, root / lang, ignore=shutil.ignore_patterns(".ipynb_*"))
    return root


def _markdown_sources(path: Path) -> dict[str, str]:
    notebook = nbformat.read(path, as_version=4)
    return {cell.id: cell.source for cell in notebook.cells if cell.cell_type == "markdown"}


def test_editing_english_marks_the_japanese_cell_stale_and_sync_keeps_translations(tmp_path):
    root = _copy(tmp_path)
    english_path = root / "en" / "02-raw-events.ipynb"
    japanese_path = root / "ja" / "02-raw-events.ipynb"
    translations_before = {
        path.name: _markdown_sources(path) for path in sorted((root / "ja").glob("*.ipynb"))
    }

    english = nbformat.read(english_path, as_version=4)
    edited = next(cell for cell in english.cells if cell.cell_type == "markdown")
    edited.source += "\n\nOne more sentence in the English source."
    nbformat.write(english, english_path)

    assert editions.check(root, "ja") == []  # a stale translation is not drift
    strict = editions.check(root, "ja", strict=True)
    assert [(p.kind, p.where.notebook, p.where.cell_id) for p in strict] == [
        (editions.Kind.STALE, "02-raw-events.ipynb", edited.id)
    ]

    english.cells.insert(3, nbformat.v4.new_code_cell("print('a new step')", id="new-step"))
    nbformat.write(english, english_path)
    drift = editions.check(root, "ja")
    assert any(p.where.cell_id == "new-step" for p in drift)

    editions.sync(root, "ja")
    assert editions.check(root, "ja") == []
    after = nbformat.read(japanese_path, as_version=4)
    assert [cell.id for cell in after.cells] == [cell.id for cell in english.cells]
    assert next(c for c in after.cells if c.id == "new-step").source == "print('a new step')"
    # every translation is still there, word for word, including the stale one
    for path in sorted((root / "ja").glob("*.ipynb")):
        assert _markdown_sources(path) == translations_before[path.name]
