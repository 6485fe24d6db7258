"""Changing an edition: `new_edition`, `sync` with the English source, `mark_translated`."""

from __future__ import annotations

import copy
from collections import defaultdict
from itertools import chain, count
from pathlib import Path

from nbformat import NotebookNode

from .cells import (
    CellRecord,
    Status,
    cell_with_id,
    edition_copy,
    edition_copy_of_notebook,
    is_disposable,
    is_untouched,
    source_hash,
)
from .compare import moved_ids
from .folders import (
    EditionError,
    command_line,
    edition_folder,
    english_counterpart,
    notebook_names,
    read_notebook,
    source_folder,
    write_notebook,
)
from .reports import Action, Change, Location, SyncReport

_Step = tuple[NotebookNode, Action | None]


def new_edition(root: Path, lang: str) -> list[Path]:
    """Create `root/<lang>/` from `root/en/`, every Markdown cell untranslated and every code
    cell without outputs; return the notebooks written.

    >>> new_edition(Path("notebooks"), "ja")         # doctest: +SKIP
    [PosixPath('notebooks/ja/01_intro.ipynb'), ...]
    """
    source, edition = source_folder(root), edition_folder(root, lang, must_exist=False)
    if edition.exists():
        raise EditionError(
            f"{edition} already exists; update it with: {command_line('sync', lang)}"
        )
    edition.mkdir(parents=True)
    written = []
    for name in notebook_names(source):
        write_notebook(edition_copy_of_notebook(read_notebook(source / name)), edition / name)
        written.append(edition / name)
    return written


def sync(root: Path, lang: str) -> SyncReport:
    """Bring edition `lang` in step with `root/en/` without losing a translation.

    New notebooks and cells are copied in (Markdown untranslated), changed code replaces the
    edition's, cells follow the English order and ids. Cells whose English cell is gone are
    removed if they are code or untouched English text; translations are kept, `orphaned`.
    Translations of changed English text are kept too, marked `stale`.

    >>> print(sync(Path("notebooks"), "ja"))       # doctest: +SKIP
    Synced edition ja: 2 changes
      ja/01_intro.ipynb, cell 4 (id a1b2): cell inserted "print(stream.text)"
      ...
    """
    source, edition = source_folder(root), edition_folder(root, lang)
    english_names, edition_names = notebook_names(source), notebook_names(edition)
    changes = []
    for name in english_names:
        notebook = Location(lang, name)
        if name in edition_names:
            changes += _sync_notebook(notebook, source / name, edition / name)
        else:
            write_notebook(edition_copy_of_notebook(read_notebook(source / name)), edition / name)
            changes.append(Change(Action.NOTEBOOK_ADDED, notebook))
    for name in sorted(set(edition_names) - set(english_names)):
        changes.append(_retire_notebook(Location(lang, name), edition / name))
    return SyncReport(lang, changes)


def mark_translated(edition_nb_path: Path, cell_id: str) -> None:
    """Record that Markdown cell `cell_id` of an edition's notebook now translates the current
    English text (its hash is recorded, its status becomes translated).

    >>> mark_translated(Path("notebooks/ja/01_intro.ipynb"), "intro")   # doctest: +SKIP
    """
    english_path = english_counterpart(edition_nb_path)
    edition = read_notebook(edition_nb_path)
    edition_cell = cell_with_id(edition, cell_id)
    english_cell = cell_with_id(read_notebook(english_path), cell_id)
    if edition_cell is None:
        raise EditionError(
            f"{edition_nb_path} has no cell with id {cell_id}; "
            f"see the ids with: {command_line('status', '<lang>')}"
        )
    if english_cell is None:
        raise EditionError(
            f"cell {cell_id} of {edition_nb_path} has no English cell in {english_path}; "
            "it is an orphan: delete it instead"
        )
    if english_cell.cell_type != "markdown" or edition_cell.cell_type != "markdown":
        raise EditionError(
            f"cell {cell_id} of {edition_nb_path} is not Markdown in both editions; "
            "only Markdown cells are translated"
        )
    CellRecord(source_hash(english_cell.source), Status.TRANSLATED).save(edition_cell)
    write_notebook(edition, edition_nb_path)


def _sync_notebook(notebook: Location, english_path: Path, edition_path: Path) -> list[Change]:
    """Sync one edition notebook, writing it only if something changed."""
    english, edition = read_notebook(english_path), read_notebook(edition_path)
    before = copy.deepcopy(edition)
    changes = _sync_cells(notebook, english.cells, edition)
    if edition != before:
        write_notebook(edition, edition_path)
    return changes


def _sync_cells(
    notebook: Location, english_cells: list[NotebookNode], edition: NotebookNode
) -> list[Change]:
    """Rebuild `edition.cells` after `english_cells`; return the changes made."""
    english_by_id = {cell.id: cell for cell in english_cells}
    edition_by_id = {cell.id: cell for cell in edition.cells}
    moved = moved_ids(list(english_by_id), list(edition_by_id))
    orphans_after, removals = _sort_out_leftovers(notebook, edition.cells, set(english_by_id))
    taken_ids = english_by_id.keys() | edition_by_id.keys()
    steps = list(orphans_after.get(None, []))
    for english_cell in english_cells:
        steps += _follow(english_cell, edition_by_id.get(english_cell.id), taken_ids)
        steps += orphans_after.get(english_cell.id, [])
    edition.cells = [cell for cell, _ in steps]
    changes: list[Change] = []
    for index, (cell, action) in enumerate(steps):
        where = notebook.at(english_by_id.get(cell.id, cell), index)  # the English words if any
        if action:
            changes.append(Change(action, where))
        if cell.id in moved:
            changes.append(Change(Action.CELL_MOVED, where))
    return changes + removals


def _sort_out_leftovers(
    notebook: Location, edition_cells: list[NotebookNode], english_ids: set[str]
) -> tuple[dict[str | None, list[_Step]], list[Change]]:
    """Edition cells with no English cell: translations to keep, by the id of the cell they
    follow (None: at the top), and the removal of the others."""
    orphans_after: dict[str | None, list[_Step]] = defaultdict(list)
    removals = []
    follows = None
    for index, cell in enumerate(edition_cells):
        if cell.id in english_ids:
            follows = cell.id
        elif is_disposable(cell):
            removals.append(Change(Action.CELL_REMOVED, notebook.at(cell, index)))
        else:
            orphans_after[follows].append(_orphan(cell))
    return orphans_after, removals


def _follow(
    english_cell: NotebookNode, edition_cell: NotebookNode | None, taken_ids: set[str]
) -> list[_Step]:
    """The edition's cell(s) for one English cell after the sync."""
    if edition_cell is None:
        return [(edition_copy(english_cell), Action.CELL_INSERTED)]
    if edition_cell.cell_type != english_cell.cell_type:
        return _replace_retyped(english_cell, edition_cell, taken_ids)
    if english_cell.cell_type == "markdown":
        return [_follow_markdown(english_cell, edition_cell)]
    if edition_cell.source != english_cell.source:
        return [(edition_copy(english_cell), Action.CODE_REPLACED)]
    return [(edition_cell, None)]


def _follow_markdown(english_cell: NotebookNode, edition_cell: NotebookNode) -> _Step:
    """A Markdown cell after the sync: untranslated text refreshed, a translation kept."""
    record = CellRecord.of(edition_cell)
    if record.status is Status.UNTRANSLATED:
        return _refresh_untranslated(english_cell, edition_cell)
    is_current = record.source_hash == source_hash(english_cell.source)
    new_status = Status.TRANSLATED if is_current else Status.STALE
    CellRecord(record.source_hash, new_status).save(edition_cell)
    newly_stale = new_status is Status.STALE and record.status is not Status.STALE
    return edition_cell, Action.MARKED_STALE if newly_stale else None


def _refresh_untranslated(english_cell: NotebookNode, edition_cell: NotebookNode) -> _Step:
    """An untranslated cell takes the English text, unless a translator has begun editing it."""
    if not (is_untouched(edition_cell) or edition_cell.source == english_cell.source):
        return edition_cell, None
    refreshed = edition_copy(english_cell)
    return refreshed, Action.TEXT_REFRESHED if refreshed.source != edition_cell.source else None


def _replace_retyped(
    english_cell: NotebookNode, edition_cell: NotebookNode, taken_ids: set[str]
) -> list[_Step]:
    """A cell whose type changed is replaced; a translation is kept beside it, orphaned."""
    replacement = (edition_copy(english_cell), Action.CELL_REPLACED)
    if is_disposable(edition_cell):
        return [replacement]
    edition_cell.id = _unused_id(edition_cell.id, taken_ids)
    return [replacement, _orphan(edition_cell)]


def _orphan(cell: NotebookNode) -> _Step:
    """A translation whose English cell is gone, marked orphaned."""
    record = CellRecord.of(cell)
    CellRecord(record.source_hash, Status.ORPHANED).save(cell)
    return cell, None if record.status is Status.ORPHANED else Action.ORPHANED


def _retire_notebook(notebook: Location, path: Path) -> Change:
    """An edition notebook whose English one is gone: removed unless it holds translations."""
    if all(is_disposable(cell) for cell in read_notebook(path).cells):
        path.unlink()
        return Change(Action.NOTEBOOK_REMOVED, notebook)
    return Change(Action.NOTEBOOK_KEPT, notebook, "move its translations, then delete it")


def _unused_id(cell_id: str, taken_ids: set[str]) -> str:
    """A new id for the orphaned translation of cell `cell_id`, unused in the notebook."""
    stem = f"{cell_id[:48]}-orphaned"
    candidates = chain([stem], (f"{stem}-{number}" for number in count(2)))
    new_id = next(candidate for candidate in candidates if candidate not in taken_ids)
    taken_ids.add(new_id)
    return new_id
