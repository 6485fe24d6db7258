"""The words the helper module shows a learner, in the learner's language.

Every message lives in one catalog per language, `messages/<lang>.toml`; code asks for a
message by its key and never holds the text itself. The language is the edition's
(`notebooks/ja/` → Japanese), or `STREAMING_COURSE_LANG`.

    >>> message("mode.replay", model="claude-haiku-5-5", speed="1.0")  # doctest: +SKIP
    'Mode: replay (synthesized recordings at 1× their modelled pace) · model: claude-haiku-5-5'
"""

from __future__ import annotations

import tomllib
import unicodedata
from functools import cache
from pathlib import Path

from .language import detect_language

CATALOG_DIR = Path(__file__).parent / "messages"


@cache
def catalog(language: str) -> dict[str, str]:
    """All messages of one language, by key (English when there is no such catalog).

    A language's catalog is ``messages/<lang>.toml`` and, for the exercises' many lines,
    the files in ``messages/<lang>/`` (one per lesson); a key may be defined only once.
    """
    if not (CATALOG_DIR / f"{language}.toml").exists():
        language = "en"
    flat: dict[str, str] = {}
    for path in [
        CATALOG_DIR / f"{language}.toml",
        *sorted((CATALOG_DIR / language).glob("*.toml")),
    ]:
        with path.open("rb") as file:
            part = _flatten(tomllib.load(file))
        twice = part.keys() & flat.keys()
        if twice:
            raise KeyError(f"{path.name}: {sorted(twice)[0]} is already defined in the catalog")
        flat.update(part)
    return flat


def message(key: str, /, language: str | None = None, **values: object) -> str:
    """The message `key` in `language` (default: the current one), with `values` filled in.

    A key missing from a translation falls back to English, so a new message never breaks
    an edition that has not translated it yet.
    """
    template = catalog(language or detect_language()).get(key) or catalog("en")[key]
    return template.format(**values)


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for name, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = str(value)
    return flat


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: East Asian wide characters (漢字, かな) take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, width: int, right: bool = False) -> str:
    """`text` padded with spaces to `width` columns (on the left when `right`)."""
    padding = " " * max(width - display_width(text), 0)
    return padding + text if right else text + padding
