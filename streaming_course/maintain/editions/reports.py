"""What `status`, `check` and `sync` report: problems and changes, one line each, and tables."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from nbformat import NotebookNode

from .cells import first_words


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
        return replace(self, cell_id=cell_id or cell.id, index=index, excerpt=first_words(cell))

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
