"""An edition's cells: the record each translated Markdown cell keeps, and copies of cells.

A Markdown cell of an edition records the hash of the English text it follows and its status
(see `streaming_course.maintain.editions`); code and raw cells are copies of the English ones.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from enum import StrEnum

from nbformat import NotebookNode

RECORD_KEY = "edition"
HASH_LENGTH = 16
EXCERPT_WORDS = 8


class Status(StrEnum):
    """The `status` a Markdown cell of an edition records."""

    UNTRANSLATED = "untranslated"
    TRANSLATED = "translated"
    STALE = "stale"
    ORPHANED = "orphaned"


def source_hash(source: str) -> str:
    """The hash an edition records of an English cell's source.

    >>> source_hash("# Streaming")
    '7178faa1bf48d73c'
    """
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:HASH_LENGTH]


@dataclass(frozen=True)
class CellRecord:
    """What a Markdown cell of an edition records about the English text it follows."""

    source_hash: str
    status: Status

    @classmethod
    def of(cls, cell: NotebookNode) -> CellRecord:
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


def edition_copy(english_cell: NotebookNode) -> NotebookNode:
    """A new edition's copy of an English cell: Markdown untranslated, code without outputs."""
    cell = copy.deepcopy(english_cell)
    if cell.cell_type == "markdown":
        CellRecord(source_hash(cell.source), Status.UNTRANSLATED).save(cell)
    elif cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
    return cell


def edition_copy_of_notebook(english: NotebookNode) -> NotebookNode:
    """A new edition's copy of an English notebook."""
    edition = copy.deepcopy(english)
    edition.cells = [edition_copy(cell) for cell in english.cells]
    return edition


def is_untouched(cell: NotebookNode) -> bool:
    """Whether a Markdown cell still holds exactly the English text its record was taken of."""
    return source_hash(cell.source) == CellRecord.of(cell).source_hash


def is_disposable(cell: NotebookNode) -> bool:
    """Whether deleting an edition cell loses no one's work: code, raw, untouched English."""
    if cell.cell_type != "markdown":
        return True
    return CellRecord.of(cell).status is Status.UNTRANSLATED and is_untouched(cell)


def cell_with_id(notebook: NotebookNode, cell_id: str) -> NotebookNode | None:
    return next((cell for cell in notebook.cells if cell.id == cell_id), None)


def first_words(cell: NotebookNode) -> str:
    words = cell.source.split()
    excerpt = " ".join(words[:EXCERPT_WORDS])
    return f"{excerpt}…" if len(words) > EXCERPT_WORDS else excerpt
