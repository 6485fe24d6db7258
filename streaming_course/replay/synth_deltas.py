"""Cut a synthesized reply into deltas shaped like the ones real streams carry.

Real streams (FACTS.md, 40 streams the API sent) cut text like this: the first delta of a block
is small (median 3 characters, 90th percentile 41); later ones have a median of 12 characters,
mean 20, 10th/90th percentiles 3 and 53, at most 132; about 12 % of the cuts fall inside a word,
at no fixed offset. Thinking deltas: median 18 characters (10th/90th: 4 and 58).

So each delta's length is drawn in characters from a spread fitted to those figures (`Shape`),
and its end moves to the nearest token boundary outside a word, except for about one cut in
eight, which stays inside the word wherever the drawn length put it. No length is fixed.
`synth_figures` measures the result the same way FACTS.md measured real streams.

    >>> import random
    >>> text = "Streaming shows the first words sooner; the whole reply takes as long."
    >>> pieces = cut(text, TEXT, random.Random(7))
    >>> "".join(piece.text for piece in pieces) == text
    True
    >>> sum(piece.tokens for piece in pieces) == len(tokens(text))
    True
"""

from __future__ import annotations

import bisect
import math
import random
import re
from dataclasses import dataclass

from .synth_figures import cut_inside_word

# An approximation of a tokenizer, good enough for usage counts and timing: a short run of
# letters (with its leading space), up to three digits, or a single other character
# (punctuation, a kana, a kanji, an emoji). Joined together, the pieces give back the text.
_TOKEN = re.compile(r" ?[A-Za-z]{1,6}| ?[0-9]{1,3}|[^\sA-Za-z0-9]|\s+")


def tokens(text: str) -> list[str]:
    """Cut `text` into token-like pieces; ``"".join(tokens(t)) == t``."""
    return _TOKEN.findall(text)


@dataclass(frozen=True)
class Shape:
    """How long deltas are, in characters: a log-normal spread around a median.

    ``first_small``: the share of blocks whose first delta is just a token or two (the rest
    start with a longer piece around ``first_median``).
    """

    median: float
    spread: float  # sigma of the log-normal
    longest: int
    inside_word_share: float
    first_small: float
    first_median: float
    first_spread: float

    def draw(self, rng: random.Random, first: bool) -> int:
        """A length in characters for the next delta."""
        if first and rng.random() < self.first_small:
            return rng.randint(1, 4)
        median, spread = (
            (self.first_median, self.first_spread) if first else (self.median, self.spread)
        )
        return max(1, min(self.longest, round(rng.lognormvariate(math.log(median), spread))))


TEXT = Shape(
    median=12,
    spread=1.2,
    longest=132,
    inside_word_share=0.12,
    first_small=0.74,
    first_median=35,
    first_spread=0.6,
)
THINKING = Shape(
    median=18,
    spread=0.95,
    longest=132,
    inside_word_share=0.13,
    first_small=0.0,
    first_median=18,
    first_spread=0.95,
)


@dataclass(frozen=True)
class Piece:
    """One delta's text and the number of tokens that end in it (for usage and timing)."""

    text: str
    tokens: int


def cut(text: str, shape: Shape, rng: random.Random) -> list[Piece]:
    """Cut `text` into deltas of `shape`; the pieces joined give back `text`."""
    ends = _token_ends(text)
    boundaries = [end for end in ends if not _inside_word(text, end)]
    pieces: list[Piece] = []
    position = 0
    while position < len(text):
        target = min(position + shape.draw(rng, first=not pieces), len(text))
        end = _nearest(boundaries, position, target, position + shape.longest)
        if rng.random() < shape.inside_word_share:  # this cut splits the word nearest the target
            end = _inside_word_near(text, position, target) or end
        finished = bisect.bisect_right(ends, end) - bisect.bisect_right(ends, position)
        pieces.append(Piece(text[position:end], finished))
        position = end
    return pieces


def _token_ends(text: str) -> list[int]:
    ends, position = [], 0
    for token in tokens(text):
        position += len(token)
        ends.append(position)
    return ends


def _inside_word(text: str, position: int) -> bool:
    return cut_inside_word(text[:position], text[position : position + 1])


def _inside_word_near(text: str, position: int, target: int) -> int | None:
    """The position inside a word closest to `target` (within a few characters), if any."""
    for offset in (0, -1, 1, -2, 2, -3, 3, -4, 4, -5, 5):
        if position < target + offset < len(text) and _inside_word(text, target + offset):
            return target + offset
    return None


def _nearest(boundaries: list[int], position: int, target: int, limit: int) -> int:
    """The boundary after `position` closest to `target`, not beyond `limit` if one exists."""
    at = bisect.bisect_left(boundaries, target)
    candidates = [b for b in boundaries[max(at - 1, 0) : at + 1] if position < b <= limit]
    if not candidates:  # the nearest boundaries are too far: the next one, or cut at the limit
        following = boundaries[bisect.bisect_right(boundaries, position)]
        return following if following <= limit else limit
    return min(candidates, key=lambda boundary: abs(boundary - target))
