"""Translated editions of the notebooks, kept in step with the English source.

`notebooks/en/` is the source. An edition `notebooks/<lang>/` (e.g. `notebooks/ja/`) holds the
same notebooks with the same cells, in the same order, under the same cell ids. Code and raw
cells are verbatim copies of the English ones (each edition keeps its own outputs); only
Markdown cells are translated.

Each Markdown cell of an edition records, in its metadata, the English text it follows::

    "metadata": {"edition": {"source_hash": "7178faa1bf48d73c", "status": "translated"}}

``source_hash``  the first 16 hex digits of the SHA-256 of the English cell's source (UTF-8),
                 taken when the cell was copied or last marked translated
``status``       ``untranslated``: the English text, copied and waiting for a translator
                 ``translated``: translated from the English text with that hash
                 ``stale``: translated, but the English cell has changed since (set by `sync`)
                 ``orphaned``: translated, but the English cell is gone; delete it by hand

Staleness is computed, never trusted: a translated cell is stale whenever its ``source_hash``
differs from the hash of the current English cell. A translator's round trip:

    >>> root = Path("notebooks")
    >>> new_edition(root, "ja")                      # doctest: +SKIP
    >>> # ... translate a Markdown cell of notebooks/ja/01_intro.ipynb, then:
    >>> mark_translated(root / "ja" / "01_intro.ipynb", "intro")  # doctest: +SKIP
    >>> print(sync(root, "ja"))                      # after English edits  # doctest: +SKIP
    >>> check(root, "ja", strict=True)               # doctest: +SKIP
    []
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from enum import StrEnum
from itertools import chain, count
from pathlib import Path

import nbformat
from nbformat import NotebookNode

SOURCE_LANG = "en"
RECORD_KEY = "edition"
HASH_LENGTH = 16
EXCERPT_WORDS = 8
LANG_PATTERN = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*")  # ja, pt-BR, zh_Hant


class EditionError(Exception):
    """An edition cannot be read or changed as asked; the one-line message says what to do."""


class Status(StrEnum):
    """The `status` a Markdown cell of an edition records."""

    UNTRANSLATED = "untranslated"
    TRANSLATED = "translated"
    STALE = "stale"
    ORPHANED = "orphaned"


class Kind(StrEnum):
    """What `status` and `check` can find wrong with a notebook or cell of an edition."""

    MISSING_NOTEBOOK = "missing notebook"
    EXTRA_NOTEBOOK = "extra notebook"
    CELL_MISSING = "cell missing"
    CELL_ADDED = "cell added"
    CELL_MOVED = "cell order differs"
    CELL_TYPE_DIFFERS = "cell type differs"
    CELL_ID_DIFFERS = "cell id differs"
    CODE_DIFFERS = "code differs"
    ORPHANED = "orphaned translation"
    UNTRANSLATED = "untranslated"
    STALE = "stale"

    def fails(self, strict: bool) -> bool:
        """Whether a check fails on this: always, but for translation work left under `strict`.

        >>> Kind.STALE.fails(strict=False), Kind.CODE_DIFFERS.fails(strict=False)
        (False, True)
        """
        return strict or self not in (Kind.UNTRANSLATED, Kind.STALE)


class Action(StrEnum):
    """What `sync` did to a notebook or cell of an edition."""

    NOTEBOOK_ADDED = "notebook added"
    NOTEBOOK_REMOVED = "notebook removed: its English notebook is gone"
    NOTEBOOK_KEPT = "notebook kept: its English notebook is gone, but it holds translations"
    CELL_INSERTED = "cell inserted"
    CELL_REMOVED = "cell removed"
    CELL_MOVED = "cell moved"
    CELL_REPLACED = "cell replaced: its type changed"
    CODE_REPLACED = "code replaced, outputs cleared"
    TEXT_REFRESHED = "untranslated text refreshed"
    MARKED_STALE = "marked stale: the English text changed"
    ORPHANED = "orphaned: the English cell is gone; delete the translation by hand"


@dataclass(frozen=True)
class Location:
    """A notebook of an edition, or one of its cells named by index, id and first words.

    >>> print(Location("ja", "01_intro.ipynb", cell_id="intro", index=0))
    ja/01_intro.ipynb, cell 0 (id intro)
    """

    lang: str
    notebook: str  # the path inside the edition folder, e.g. "01_intro.ipynb"
    cell_id: str | None = None  # None: the notebook as a whole
    index: int | None = None  # the cell's position in the edition (in English if it is missing)
    excerpt: str = ""  # the first words of the English cell (of the edition's own if none)

    def at(self, cell: NotebookNode, index: int, cell_id: str | None = None) -> Location:
        """The cell at `index`, described by `cell`; `cell_id` names it when ids disagree."""
        return replace(self, cell_id=cell_id or cell.id, index=index, excerpt=_first_words(cell))

    def __str__(self) -> str:
        place = f"{self.lang}/{self.notebook}"
        return place if self.cell_id is None else f"{place}, cell {self.index} (id {self.cell_id})"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an edition; `str()` gives it on one line.

    >>> where = Location("ja", "01_intro.ipynb", "intro", 0, "# Streaming")
    >>> print(Problem(Kind.STALE, where))
    ja/01_intro.ipynb, cell 0 (id intro): stale "# Streaming"
    """

    kind: Kind
    where: Location
    detail: str = ""

    def __str__(self) -> str:
        return _one_line(self.where, self.kind, self.detail)


@dataclass(frozen=True)
class Change:
    """One thing `sync` did to an edition; `str()` gives it on one line."""

    action: Action
    where: Location
    detail: str = ""

    def __str__(self) -> str:
        return _one_line(self.where, self.action, self.detail)


@dataclass
class NotebookReport:
    """How one notebook of an edition compares with its English source."""

    notebook: str
    translated: int = 0
    problems: list[Problem] = field(default_factory=list)

    def count(self, kind: Kind) -> int:
        """How many problems of this `kind` the notebook has."""
        return sum(problem.kind is kind for problem in self.problems)

    @property
    def drift(self) -> int:
        """How many problems fail even a lenient check (structure, code, orphans)."""
        return sum(problem.kind.fails(strict=False) for problem in self.problems)


@dataclass
class EditionReport:
    """How an edition compares with the source: a row per notebook, then a line per problem.

    >>> print(EditionReport("ja", [NotebookReport("01_intro.ipynb", translated=3)]))
    Edition ja
      notebook        translated  untranslated  stale  drift
      01_intro.ipynb           3             0      0      0
    """

    lang: str
    notebooks: list[NotebookReport]

    @property
    def problems(self) -> list[Problem]:
        """Every problem of every notebook."""
        return [problem for notebook in self.notebooks for problem in notebook.problems]

    def lines(self) -> list[str]:
        """The report as lines of text."""
        width = max([len("notebook"), *(len(notebook.notebook) for notebook in self.notebooks)])
        header = f"  {'notebook':<{width}}  translated  untranslated  stale  drift"
        rows = [_table_row(notebook, width) for notebook in self.notebooks]
        problems = ["Problems:", *(f"  {problem}" for problem in self.problems)]
        return [f"Edition {self.lang}", header, *rows, *(problems if self.problems else [])]

    def __str__(self) -> str:
        return "\n".join(self.lines())


@dataclass
class SyncReport:
    """What `sync` changed in an edition, a line per change.

    >>> print(SyncReport("ja", []))
    Edition ja was already in step with the English source
    """

    lang: str
    changes: list[Change]

    def lines(self) -> list[str]:
        """The report as lines of text."""
        if not self.changes:
            return [f"Edition {self.lang} was already in step with the English source"]
        heading = f"Synced edition {self.lang}: {len(self.changes)} changes"
        return [heading, *(f"  {change}" for change in self.changes)]

    def __str__(self) -> str:
        return "\n".join(self.lines())


# ---------------------------------------------------------------------------------------------
# The public operations


def status(root: Path, lang: str) -> EditionReport:
    """Compare edition `lang` under the notebooks folder `root` with `root/en`, cell by cell.

    >>> print(status(Path("notebooks"), "ja"))     # doctest: +SKIP
    """
    source, edition = _source_folder(root), _edition_folder(root, lang)
    names = sorted(set(_notebook_names(source)) | set(_notebook_names(edition)))
    return EditionReport(lang, [_notebook_report(Location(lang, name), root) for name in names])


def check(root: Path, lang: str, strict: bool = False) -> list[Problem]:
    """The problems that fail edition `lang`: drift, differing code, orphaned translations,
    and with `strict` also untranslated and stale cells.

    >>> check(Path("notebooks"), "ja", strict=True)   # doctest: +SKIP
    []
    """
    return [problem for problem in status(root, lang).problems if problem.kind.fails(strict)]


def new_edition(root: Path, lang: str) -> list[Path]:
    """Create `root/<lang>/` from `root/en/`, every Markdown cell untranslated and every code
    cell without outputs; return the notebooks written.

    >>> new_edition(Path("notebooks"), "ja")         # doctest: +SKIP
    [PosixPath('notebooks/ja/01_intro.ipynb'), ...]
    """
    source, edition = _source_folder(root), _edition_folder(root, lang, must_exist=False)
    if edition.exists():
        raise EditionError(f"{edition} already exists; update it with: {_command('sync', lang)}")
    edition.mkdir(parents=True)
    written = []
    for name in _notebook_names(source):
        _write(_edition_copy_of_notebook(_read(source / name)), edition / name)
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
    source, edition = _source_folder(root), _edition_folder(root, lang)
    english_names, edition_names = _notebook_names(source), _notebook_names(edition)
    changes = []
    for name in english_names:
        notebook = Location(lang, name)
        if name in edition_names:
            changes += _sync_notebook(notebook, source / name, edition / name)
        else:
            _write(_edition_copy_of_notebook(_read(source / name)), edition / name)
            changes.append(Change(Action.NOTEBOOK_ADDED, notebook))
    for name in sorted(set(edition_names) - set(english_names)):
        changes.append(_retire_notebook(Location(lang, name), edition / name))
    return SyncReport(lang, changes)


def mark_translated(edition_nb_path: Path, cell_id: str) -> None:
    """Record that Markdown cell `cell_id` of an edition's notebook now translates the current
    English text (its hash is recorded, its status becomes translated).

    >>> mark_translated(Path("notebooks/ja/01_intro.ipynb"), "intro")   # doctest: +SKIP
    """
    english_path = _english_counterpart(edition_nb_path)
    edition = _read(edition_nb_path)
    edition_cell = _cell_with_id(edition, cell_id)
    english_cell = _cell_with_id(_read(english_path), cell_id)
    if edition_cell is None:
        raise EditionError(
            f"{edition_nb_path} has no cell with id {cell_id}; "
            f"see the ids with: {_command('status', '<lang>')}"
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
    _Record(source_hash(english_cell.source), Status.TRANSLATED).save(edition_cell)
    _write(edition, edition_nb_path)


def source_hash(source: str) -> str:
    """The hash an edition records of an English cell's source.

    >>> source_hash("# Streaming")
    '7178faa1bf48d73c'
    """
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def find_notebooks_root(start: Path) -> Path:
    """The `notebooks` folder holding `en/`, searched for upward from `start`.

    >>> find_notebooks_root(Path.cwd())              # doctest: +SKIP
    PosixPath('/home/me/streaming-course/notebooks')
    """
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "notebooks" / SOURCE_LANG).is_dir():
            return folder / "notebooks"
    raise EditionError(
        f"no notebooks/{SOURCE_LANG}/ folder in {start} or above it; "
        "run from inside the course or pass --root"
    )


def edition_langs(root: Path) -> list[str]:
    """The editions under the notebooks folder `root`: each folder but `en/` with notebooks.

    >>> edition_langs(Path("notebooks"))             # doctest: +SKIP
    ['ja']
    """
    _source_folder(root)
    return sorted(
        folder.name
        for folder in root.iterdir()
        if folder.is_dir()
        and folder.name != SOURCE_LANG
        and LANG_PATTERN.fullmatch(folder.name)
        and _notebook_names(folder)
    )


# ---------------------------------------------------------------------------------------------
# Comparing an edition's notebook with its English source


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
    return _compare(notebook, _read(english_path), _read(edition_path))


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
        is_orphan = _Record.of(cell).status is Status.ORPHANED
        kind = Kind.ORPHANED if is_orphan else Kind.CELL_ADDED
        problems.append(Problem(kind, notebook.at(cell, index)))
    return problems


def _moved_cells(
    notebook: Location, english_cells: list[NotebookNode], edition_cells: list[NotebookNode]
) -> list[Problem]:
    """Cells found on both sides but out of the English order."""
    moved = _moved_ids([cell.id for cell in english_cells], [cell.id for cell in edition_cells])
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
    record = _Record.of(edition_cell)
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


def _moved_ids(english_ids: list[str], edition_ids: list[str]) -> set[str]:
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


# ---------------------------------------------------------------------------------------------
# Syncing an edition's notebook with its English source

# A cell of the synced notebook, with what sync did to it (None: nothing worth reporting).
_Step = tuple[NotebookNode, Action | None]


def _sync_notebook(notebook: Location, english_path: Path, edition_path: Path) -> list[Change]:
    """Sync one edition notebook, writing it only if something changed."""
    english, edition = _read(english_path), _read(edition_path)
    before = copy.deepcopy(edition)
    changes = _sync_cells(notebook, english.cells, edition)
    if edition != before:
        _write(edition, edition_path)
    return changes


def _sync_cells(
    notebook: Location, english_cells: list[NotebookNode], edition: NotebookNode
) -> list[Change]:
    """Rebuild `edition.cells` after `english_cells`; return the changes made."""
    english_by_id = {cell.id: cell for cell in english_cells}
    edition_by_id = {cell.id: cell for cell in edition.cells}
    moved = _moved_ids(list(english_by_id), list(edition_by_id))
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
        elif _is_disposable(cell):
            removals.append(Change(Action.CELL_REMOVED, notebook.at(cell, index)))
        else:
            orphans_after[follows].append(_orphan(cell))
    return orphans_after, removals


def _follow(
    english_cell: NotebookNode, edition_cell: NotebookNode | None, taken_ids: set[str]
) -> list[_Step]:
    """The edition's cell(s) for one English cell after the sync."""
    if edition_cell is None:
        return [(_edition_copy(english_cell), Action.CELL_INSERTED)]
    if edition_cell.cell_type != english_cell.cell_type:
        return _replace_retyped(english_cell, edition_cell, taken_ids)
    if english_cell.cell_type == "markdown":
        return [_follow_markdown(english_cell, edition_cell)]
    if edition_cell.source != english_cell.source:
        return [(_edition_copy(english_cell), Action.CODE_REPLACED)]
    return [(edition_cell, None)]


def _follow_markdown(english_cell: NotebookNode, edition_cell: NotebookNode) -> _Step:
    """A Markdown cell after the sync: untranslated text refreshed, a translation kept."""
    record = _Record.of(edition_cell)
    if record.status is Status.UNTRANSLATED:
        return _refresh_untranslated(english_cell, edition_cell)
    is_current = record.source_hash == source_hash(english_cell.source)
    new_status = Status.TRANSLATED if is_current else Status.STALE
    _Record(record.source_hash, new_status).save(edition_cell)
    newly_stale = new_status is Status.STALE and record.status is not Status.STALE
    return edition_cell, Action.MARKED_STALE if newly_stale else None


def _refresh_untranslated(english_cell: NotebookNode, edition_cell: NotebookNode) -> _Step:
    """An untranslated cell takes the English text, unless a translator has begun editing it."""
    if not (_is_untouched(edition_cell) or edition_cell.source == english_cell.source):
        return edition_cell, None
    refreshed = _edition_copy(english_cell)
    return refreshed, Action.TEXT_REFRESHED if refreshed.source != edition_cell.source else None


def _replace_retyped(
    english_cell: NotebookNode, edition_cell: NotebookNode, taken_ids: set[str]
) -> list[_Step]:
    """A cell whose type changed is replaced; a translation is kept beside it, orphaned."""
    replacement = (_edition_copy(english_cell), Action.CELL_REPLACED)
    if _is_disposable(edition_cell):
        return [replacement]
    edition_cell.id = _unused_id(edition_cell.id, taken_ids)
    return [replacement, _orphan(edition_cell)]


def _orphan(cell: NotebookNode) -> _Step:
    """A translation whose English cell is gone, marked orphaned."""
    record = _Record.of(cell)
    _Record(record.source_hash, Status.ORPHANED).save(cell)
    return cell, None if record.status is Status.ORPHANED else Action.ORPHANED


def _retire_notebook(notebook: Location, path: Path) -> Change:
    """An edition notebook whose English one is gone: removed unless it holds translations."""
    if all(_is_disposable(cell) for cell in _read(path).cells):
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


# ---------------------------------------------------------------------------------------------
# Cells and their records


@dataclass(frozen=True)
class _Record:
    """What a Markdown cell of an edition records about the English text it follows."""

    source_hash: str
    status: Status

    @classmethod
    def of(cls, cell: NotebookNode) -> _Record:
        """The cell's record; a cell without one counts as untranslated from unknown text."""
        saved = cell.metadata.get(RECORD_KEY, {})
        try:
            status = Status(saved.get("status", Status.UNTRANSLATED))
        except ValueError:  # a status this module never writes: trust nothing
            status = Status.UNTRANSLATED
        return cls(saved.get("source_hash", ""), status)

    def save(self, cell: NotebookNode) -> None:
        """Write this record into the cell's metadata."""
        cell.metadata[RECORD_KEY] = {"source_hash": self.source_hash, "status": self.status.value}


def _edition_copy(english_cell: NotebookNode) -> NotebookNode:
    """A new edition's copy of an English cell: Markdown untranslated, code without outputs."""
    cell = copy.deepcopy(english_cell)
    if cell.cell_type == "markdown":
        _Record(source_hash(cell.source), Status.UNTRANSLATED).save(cell)
    elif cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
    return cell


def _edition_copy_of_notebook(english: NotebookNode) -> NotebookNode:
    """A new edition's copy of an English notebook."""
    edition = copy.deepcopy(english)
    edition.cells = [_edition_copy(cell) for cell in english.cells]
    return edition


def _is_untouched(cell: NotebookNode) -> bool:
    """Whether a Markdown cell still holds exactly the English text its record was taken of."""
    return source_hash(cell.source) == _Record.of(cell).source_hash


def _is_disposable(cell: NotebookNode) -> bool:
    """Whether deleting an edition cell loses no one's work: code, raw, untouched English."""
    if cell.cell_type != "markdown":
        return True
    return _Record.of(cell).status is Status.UNTRANSLATED and _is_untouched(cell)


def _cell_with_id(notebook: NotebookNode, cell_id: str) -> NotebookNode | None:
    return next((cell for cell in notebook.cells if cell.id == cell_id), None)


def _first_words(cell: NotebookNode) -> str:
    words = cell.source.split()
    excerpt = " ".join(words[:EXCERPT_WORDS])
    return f"{excerpt}…" if len(words) > EXCERPT_WORDS else excerpt


# ---------------------------------------------------------------------------------------------
# Folders and files


def _source_folder(root: Path) -> Path:
    folder = root / SOURCE_LANG
    if not folder.is_dir():
        raise EditionError(f"{folder} not found; pass as --root the notebooks folder holding en/")
    return folder


def _edition_folder(root: Path, lang: str, must_exist: bool = True) -> Path:
    if lang == SOURCE_LANG or not LANG_PATTERN.fullmatch(lang):
        raise EditionError(
            f"{lang!r} is not an edition; name one by language code, e.g. ja or pt-BR"
        )
    folder = root / lang
    if must_exist and not folder.is_dir():
        raise EditionError(f"{folder} does not exist; create it with: {_command('new', lang)}")
    return folder


def _english_counterpart(edition_nb_path: Path) -> Path:
    """The English notebook an edition's notebook translates."""
    if not edition_nb_path.is_file():
        raise EditionError(
            f"{edition_nb_path} does not exist; give the path of an edition notebook"
        )
    path = edition_nb_path.resolve()
    for folder in path.parents:
        source = folder.parent / SOURCE_LANG
        if folder.name != SOURCE_LANG and source.is_dir():
            return _existing(source / path.relative_to(folder), folder.name)
    raise EditionError(f"{edition_nb_path} is not in an edition folder, e.g. notebooks/ja/")


def _existing(english_path: Path, lang: str) -> Path:
    if not english_path.is_file():
        raise EditionError(
            f"{english_path} does not exist, so there is nothing to translate; "
            f"run: {_command('sync', lang)}"
        )
    return english_path


def _notebook_names(folder: Path) -> list[str]:
    """The notebooks under `folder` as relative paths with `/`, hidden folders skipped."""
    names = (path.relative_to(folder) for path in folder.rglob("*.ipynb"))
    return sorted(
        name.as_posix() for name in names if not any(part.startswith(".") for part in name.parts)
    )


def _read(path: Path) -> NotebookNode:
    try:
        return nbformat.read(path, as_version=4)
    except (OSError, ValueError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise EditionError(f"cannot read {path} ({reason}); fix or restore the file") from error


def _write(notebook: NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)


def _command(verb: str, lang: str) -> str:
    return f"streaming-course editions {verb} {lang}"


def _one_line(where: Location, what: str, detail: str) -> str:
    line = f"{where}: {what}"
    if detail:
        line += f" ({detail})"
    return f'{line} "{where.excerpt}"' if where.excerpt else line


def _table_row(notebook: NotebookReport, width: int) -> str:
    untranslated, stale = notebook.count(Kind.UNTRANSLATED), notebook.count(Kind.STALE)
    return (
        f"  {notebook.notebook:<{width}}  {notebook.translated:>10}  {untranslated:>12}"
        f"  {stale:>5}  {notebook.drift:>5}"
    )
