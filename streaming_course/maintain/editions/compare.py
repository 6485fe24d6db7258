"""Comparing an edition with its English source: `status` (a report) and `check` (its failures)."""

from __future__ import annotations

import difflib
from pathlib import Path

from nbformat import NotebookNode

from .cells import CellRecord, Status, source_hash
from .folders import SOURCE_LANG, edition_folder, notebook_names, read_notebook, source_folder
from .reports import EditionReport, Kind, Location, NotebookReport, Problem


def status(root: Path, lang: str) -> EditionReport:
    """Compare edition `lang` under the notebooks folder `root` with `root/en`, cell by cell.

    >>> print(status(Path("notebooks"), "ja"))     # doctest: +SKIP
    """
    source, edition = source_folder(root), edition_folder(root, lang)
    names = sorted(set(notebook_names(source)) | set(notebook_names(edition)))
    return EditionReport(lang, [_notebook_report(Location(lang, name), root) for name in names])


def check(root: Path, lang: str, strict: bool = False) -> list[Problem]:
    """The problems that fail edition `lang`: drift, differing code, orphaned translations,
    and with `strict` also untranslated and stale cells.

    >>> check(Path("notebooks"), "ja", strict=True)   # doctest: +SKIP
    []
    """
    return [problem for problem in status(root, lang).problems if problem.kind.fails(strict)]


def _notebook_report(notebook: Location, root: Path) -> NotebookReport:
    """The report of one notebook, found in the English source, the edition, or both."""
    english_path = root / SOURCE_LANG / notebook.notebook
    edition_path = root / notebook.lang / notebook.notebook
    if not edition_path.is_file():
        return NotebookReport(
            notebook.notebook, problems=[Problem(Kind.MISSING_NOTEBOOK, notebook)]
        )
    if not english_path.is_file():
        return NotebookReport(notebook.notebook, problems=[Problem(Kind.EXTRA_NOTEBOOK, notebook)])
    return _compare(notebook, read_notebook(english_path), read_notebook(edition_path))


def _compare(notebook: Location, english: NotebookNode, edition: NotebookNode) -> NotebookReport:
    """The report of one edition notebook against its English notebook."""
    report = NotebookReport(notebook.notebook)
    report.problems += _unmatched_cells(notebook, english.cells, edition.cells)
    report.problems += _moved_cells(notebook, english.cells, edition.cells)
    for english_cell, index, edition_cell in _cells_by_id(english.cells, edition.cells):
        problem = _cell_problem(notebook.at(english_cell, index), english_cell, edition_cell)
        if problem:
            report.problems.append(problem)
        elif english_cell.cell_type == "markdown":
            report.translated += 1
    report.problems.sort(key=lambda problem: problem.where.index or 0)
    return report


def _unmatched_cells(
    notebook: Location, english_cells: list[NotebookNode], edition_cells: list[NotebookNode]
) -> list[Problem]:
    """Cells on one side only: missing, added, orphaned, or at the same place under another id."""
    english_ids = {cell.id for cell in english_cells}
    edition_ids = {cell.id for cell in edition_cells}
    missing = {i: cell for i, cell in enumerate(english_cells) if cell.id not in edition_ids}
    added = {i: cell for i, cell in enumerate(edition_cells) if cell.id not in english_ids}
    problems = []
    for index in sorted(missing.keys() & added.keys()):
        english_cell, edition_cell = missing.pop(index), added.pop(index)
        where = notebook.at(english_cell, index, cell_id=edition_cell.id)
        problems.append(Problem(Kind.CELL_ID_DIFFERS, where, f"English id {english_cell.id}"))
    for index, cell in missing.items():
        problems.append(Problem(Kind.CELL_MISSING, notebook.at(cell, index)))
    for index, cell in added.items():
        is_orphan = CellRecord.of(cell).status is Status.ORPHANED
        kind = Kind.ORPHANED if is_orphan else Kind.CELL_ADDED
        problems.append(Problem(kind, notebook.at(cell, index)))
    return problems


def _moved_cells(
    notebook: Location, english_cells: list[NotebookNode], edition_cells: list[NotebookNode]
) -> list[Problem]:
    """Cells found on both sides but out of the English order."""
    moved = moved_ids([cell.id for cell in english_cells], [cell.id for cell in edition_cells])
    english_index = {cell.id: index for index, cell in enumerate(english_cells)}
    return [
        Problem(
            Kind.CELL_MOVED,
            notebook.at(english_cells[english_index[cell.id]], index),
            f"English position {english_index[cell.id]}",
        )
        for index, cell in enumerate(edition_cells)
        if cell.id in moved
    ]


def _cell_problem(
    where: Location, english_cell: NotebookNode, edition_cell: NotebookNode
) -> Problem | None:
    """What is wrong with an edition cell given its English cell of the same id, if anything."""
    if english_cell.cell_type != edition_cell.cell_type:
        detail = f"English {english_cell.cell_type}, edition {edition_cell.cell_type}"
        return Problem(Kind.CELL_TYPE_DIFFERS, where, detail)
    if english_cell.cell_type != "markdown":  # code and raw cells are copies, never translated
        is_copy = english_cell.source == edition_cell.source
        return None if is_copy else Problem(Kind.CODE_DIFFERS, where)
    record = CellRecord.of(edition_cell)
    if record.status is Status.UNTRANSLATED:
        return Problem(Kind.UNTRANSLATED, where)
    if record.source_hash != source_hash(english_cell.source):
        return Problem(Kind.STALE, where)
    return None


def _cells_by_id(
    english_cells: list[NotebookNode], edition_cells: list[NotebookNode]
) -> list[tuple[NotebookNode, int, NotebookNode]]:
    """Each English cell with the edition's index and cell of the same id, where there is one."""
    edition_index = {cell.id: index for index, cell in enumerate(edition_cells)}
    return [
        (cell, edition_index[cell.id], edition_cells[edition_index[cell.id]])
        for cell in english_cells
        if cell.id in edition_index
    ]


def moved_ids(english_ids: list[str], edition_ids: list[str]) -> set[str]:
    """Ids on both sides that sit outside the longest run of cells kept in the same order."""
    shared = set(english_ids) & set(edition_ids)
    english_order = [cell_id for cell_id in english_ids if cell_id in shared]
    edition_order = [cell_id for cell_id in edition_ids if cell_id in shared]
    matcher = difflib.SequenceMatcher(a=english_order, b=edition_order, autojunk=False)
    in_order = {
        cell_id
        for block in matcher.get_matching_blocks()
        for cell_id in english_order[block.a : block.a + block.size]
    }
    return shared - in_order
