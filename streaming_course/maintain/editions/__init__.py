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

    >>> from pathlib import Path
    >>> root = Path("notebooks")
    >>> new_edition(root, "ja")                      # doctest: +SKIP
    >>> # ... translate a Markdown cell of notebooks/ja/01_intro.ipynb, then:
    >>> mark_translated(root / "ja" / "01_intro.ipynb", "intro")  # doctest: +SKIP
    >>> print(sync(root, "ja"))                      # after English edits  # doctest: +SKIP
    >>> check(root, "ja", strict=True)               # doctest: +SKIP
    []
"""

from .cells import Status, source_hash
from .compare import check, status
from .folders import EditionError, edition_langs, find_notebooks_root
from .reports import (
    Action,
    Change,
    EditionReport,
    Kind,
    Location,
    NotebookReport,
    Problem,
    SyncReport,
)
from .update import mark_translated, new_edition, sync

__all__ = [
    "Action",
    "Change",
    "EditionError",
    "EditionReport",
    "Kind",
    "Location",
    "NotebookReport",
    "Problem",
    "Status",
    "SyncReport",
    "check",
    "edition_langs",
    "find_notebooks_root",
    "mark_translated",
    "new_edition",
    "source_hash",
    "status",
    "sync",
]
