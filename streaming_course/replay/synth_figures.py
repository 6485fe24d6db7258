"""Measure streams the way FACTS.md measured 40 streams the API sent.

The figures a learner notices when text streams in: how long the first delta of a text block
is, how long the later ones are and how much they vary, how many cuts between two deltas fall
inside a word, how many ``input_json_delta`` pieces are empty, and whether the one
``message_delta`` carries the usage. Lengths are in characters (code points).

A cut falls inside a word when the characters on both sides of it are letters or digits of a
script that puts spaces between words: ``"accep" | "ts"`` does, ``"the" | " end"`` does not.
Kana and kanji have no spaces between words, so a cut between two of them is not counted as
inside a word (Japanese text cuts between characters all the time).

    >>> figures = measure([[("text_delta", 0, "Lin"), ("text_delta", 0, "e endings"),
    ...                     ("text_delta", 0, " differ.")]])
    >>> figures.first_lengths, figures.later_lengths, figures.inside_word_share
    ([3], [9, 8], 0.5)
"""

from __future__ import annotations

import itertools
import statistics
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from .fixture import Fixture

Delta = tuple[str, int, str]
"""A content_block_delta as ``(delta type, block index, its text or partial JSON)``."""


def is_word_character(character: str) -> bool:
    """A letter or digit of a script written with spaces between words (not kana or kanji)."""
    return character.isalnum() and unicodedata.east_asian_width(character) not in ("W", "F")


def cut_inside_word(before: str, after: str) -> bool:
    """Whether a cut between the strings `before` and `after` splits a word."""
    return bool(before and after) and is_word_character(before[-1]) and is_word_character(after[0])


def percentile(values: list[int], share: float) -> float:
    """The `share` quantile of `values`, interpolated between ranks (``statistics`` inclusive).

    >>> percentile([1, 2, 3, 4, 5], 0.5), percentile([1, 2, 3, 4, 5], 0.9)
    (3.0, 4.6)
    """
    if len(values) == 1:
        return float(values[0])
    cuts = statistics.quantiles(sorted(values), n=100, method="inclusive")
    return cuts[round(share * 100) - 1]


@dataclass
class Figures:
    """What `measure` found, over all the streams given to it."""

    first_lengths: list[int] = field(default_factory=list)  # first text delta of each block
    later_lengths: list[int] = field(default_factory=list)  # every later text delta
    cuts: int = 0  # places where one text delta ends and the next of its block begins
    cuts_inside_words: int = 0
    json_pieces: list[int] = field(default_factory=list)  # lengths of input_json_delta pieces
    thinking_lengths: list[int] = field(default_factory=list)

    @property
    def inside_word_share(self) -> float:
        return self.cuts_inside_words / self.cuts if self.cuts else 0.0

    @property
    def empty_json_share(self) -> float:
        empty = sum(1 for length in self.json_pieces if length == 0)
        return empty / len(self.json_pieces) if self.json_pieces else 0.0

    def summary(self) -> dict[str, float]:
        """The figures FACTS.md gives, from these streams."""
        first, later = self.first_lengths, self.later_lengths
        return {
            "first median": statistics.median(first),
            "first p90": percentile(first, 0.9),
            "later median": statistics.median(later),
            "later mean": round(statistics.mean(later), 1),
            "later p10": percentile(later, 0.1),
            "later p90": percentile(later, 0.9),
            "later max": max(later),
            "inside-word share": round(self.inside_word_share, 3),
        }


def measure(streams: Iterable[Iterable[Delta]]) -> Figures:
    """The figures of `streams`, each a sequence of its deltas in the order they came."""
    figures = Figures()
    for deltas in streams:
        texts: dict[int, list[str]] = {}
        for kind, index, text in deltas:
            if kind == "text_delta":
                texts.setdefault(index, []).append(text)
            elif kind == "input_json_delta":
                figures.json_pieces.append(len(text))
            elif kind == "thinking_delta":
                figures.thinking_lengths.append(len(text))
        for block in texts.values():
            figures.first_lengths.append(len(block[0]))
            figures.later_lengths += [len(text) for text in block[1:]]
            for before, after in itertools.pairwise(block):
                figures.cuts += 1
                figures.cuts_inside_words += cut_inside_word(before, after)
    return figures


def deltas_of(fixture: Fixture) -> list[Delta]:
    """The content_block_delta events of a streamed fixture, as `measure` takes them."""
    found: list[Delta] = []
    for event in fixture.events:
        if event.type != "content_block_delta" or not event.terminated:
            continue
        delta = event.data["delta"]
        for name in ("text", "partial_json", "thinking"):
            if name in delta:
                found.append((delta["type"], event.data["index"], delta[name]))
    return found


def message_deltas(fixture: Fixture) -> list[dict[str, object]]:
    """The data of the fixture's ``message_delta`` events."""
    return [
        event.data for event in fixture.events if event.type == "message_delta" and event.terminated
    ]
