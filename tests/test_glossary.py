"""The Japanese edition uses one term for one thing, as `notebooks/ja/GLOSSARY.md` decides.

Each failure names the file, the cell (for a notebook), the rejected word and the term to use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "notebooks" / "ja" / "GLOSSARY.md"
NOTEBOOKS = sorted((ROOT / "notebooks" / "ja").glob("*.ipynb"))
TEXT_FILES = [ROOT / "README.ja.md", ROOT / "streaming_course" / "messages" / "ja.toml"]
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
HALF_WIDTH_COLON = re.compile(r"(?<=\S): ")  # "演習 1: …" in a heading; "：" is the rule


@dataclass(frozen=True)
class Term:
    chosen: str
    rejected: tuple[str, ...]
    allowed: tuple[str, ...]  # set phrases where a rejected word means something else


def read_glossary(path: Path = GLOSSARY) -> list[Term]:
    """The rows of the glossary's table: chosen term, rejected variants, English, allowed."""
    terms = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not line.startswith("|") or set(cells[0]) <= set("-"):
            continue
        if cells[0] == "使う語":  # the header row
            continue
        split = lambda text: tuple(word for word in re.split("[、,]", text) if word.strip())  # noqa: E731
        terms.append(Term(cells[0], split(cells[1]), split(cells[3])))
    return terms


def rejected_words(text: str, terms: list[Term]) -> list[str]:
    """'word → chosen' for every rejected word in `text` (allowed phrases taken out first).

    >>> body = Term("本文", ("本体", "ボディ"), ("コース本体",))
    >>> rejected_words("リクエストのボディとコース本体", [body])
    ['ボディ → 本文']
    """
    found = []
    for term in terms:
        cleaned = text
        for phrase in term.allowed:
            cleaned = cleaned.replace(phrase, "")
        found += [f"{word} → {term.chosen}" for word in term.rejected if word in cleaned]
    return found


def heading_colons(markdown: str) -> list[str]:
    """The headings of `markdown` (outside code blocks) that use a half-width ': '."""
    prose = FENCE.sub("", markdown)
    return [
        line
        for line in prose.splitlines()
        if line.startswith("#") and HALF_WIDTH_COLON.search(line.replace("`", "x"))
    ]


def test_the_glossary_has_terms():
    terms = read_glossary()
    assert len(terms) >= 6
    assert all(term.chosen and term.rejected for term in terms)
    chosen = {term.chosen for term in terms}
    assert not chosen & {word for term in terms for word in term.rejected}


def test_the_checks_find_what_they_should():
    terms = read_glossary()
    assert rejected_words("デフォルトの値", terms) == ["デフォルト → 既定"]
    assert rejected_words("既定の値とコース本体", terms) == []
    assert heading_colons("## 演習 1: 数える\n```\n# 演習: code\n```\n## 演習 2：数える") == [
        "## 演習 1: 数える"
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_markdown_uses_the_glossary(path: Path):
    terms = read_glossary()
    notebook = nbformat.read(path, as_version=4)
    problems = []
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        problems += [
            f"cell {cell.get('id')}: {word}" for word in rejected_words(cell.source, terms)
        ]
        problems += [
            f"cell {cell.get('id')}: heading with ': ' → '：': {line}"
            for line in heading_colons(cell.source)
        ]
    assert problems == [], f"{path.name}: " + "; ".join(problems)


@pytest.mark.parametrize("path", TEXT_FILES, ids=lambda path: path.name)
def test_text_file_uses_the_glossary(path: Path):
    terms = read_glossary()
    problems = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        problems += [f"line {number}: {word}" for word in rejected_words(line, terms)]
    assert problems == [], f"{path.name}: " + "; ".join(problems)
