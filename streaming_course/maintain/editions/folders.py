"""An edition's folders and files: where the notebooks are, reading and writing them."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbformat import NotebookNode

SOURCE_LANG = "en"
LANG_PATTERN = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*")  # ja, pt-BR, zh_Hant


class EditionError(Exception):
    """An edition cannot be read or changed as asked; the one-line message says what to do."""


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
    source_folder(root)
    return sorted(
        folder.name
        for folder in root.iterdir()
        if folder.is_dir()
        and folder.name != SOURCE_LANG
        and LANG_PATTERN.fullmatch(folder.name)
        and notebook_names(folder)
    )


def source_folder(root: Path) -> Path:
    folder = root / SOURCE_LANG
    if not folder.is_dir():
        raise EditionError(f"{folder} not found; pass as --root the notebooks folder holding en/")
    return folder


def edition_folder(root: Path, lang: str, must_exist: bool = True) -> Path:
    if lang == SOURCE_LANG or not LANG_PATTERN.fullmatch(lang):
        raise EditionError(
            f"{lang!r} is not an edition; name one by language code, e.g. ja or pt-BR"
        )
    folder = root / lang
    if must_exist and not folder.is_dir():
        raise EditionError(f"{folder} does not exist; create it with: {command_line('new', lang)}")
    return folder


def english_counterpart(edition_nb_path: Path) -> Path:
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
            f"run: {command_line('sync', lang)}"
        )
    return english_path


def notebook_names(folder: Path) -> list[str]:
    """The notebooks under `folder` as relative paths with `/`, hidden folders skipped."""
    names = (path.relative_to(folder) for path in folder.rglob("*.ipynb"))
    return sorted(
        name.as_posix() for name in names if not any(part.startswith(".") for part in name.parts)
    )


def read_notebook(path: Path) -> NotebookNode:
    try:
        return nbformat.read(path, as_version=4)
    except (OSError, ValueError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise EditionError(f"cannot read {path} ({reason}); fix or restore the file") from error


def write_notebook(notebook: NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)


def command_line(verb: str, lang: str) -> str:
    return f"streaming-course editions {verb} {lang}"
