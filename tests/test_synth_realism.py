"""The synthesized recordings cut their deltas the way real streams do (issue 11, must show).

FACTS.md measured 40 streams the API sent (lengths in characters):

- text deltas: the first of a block has a median of 3 and a 90th percentile of 41; later
  ones a median of 12, mean 20, 10th/90th percentiles 3 and 53, maximum 132; about 12 % of the
  cuts between two text deltas fall inside a word, at no fixed offset;
- thinking deltas: median 18; ``input_json_delta``: median 5 (90th percentile 11), about one
  in nine empty;
- every stream has exactly one ``message_delta``, and it carries the usage.

Those are single figures from a sample of 40, so each is checked against a band around it
(`REAL_RANGES`), measured with `synth_figures` over every shipped ``.sse`` fixture at once, as
FACTS.md measured its 40 streams at once. No fixture ships Japanese text (the Japanese
edition sends the same requests), so Japanese replies are synthesized here from the Japanese
notebooks' own prose and held to the same size bands; their cuts between kana or kanji do not
count as inside a word (Japanese puts no spaces between words), so for them the share is
only bounded above.

`tests/captures/` holds streams written in the shapes of real captures (they are not
themselves captures the API sent): the measure gives them the real figures for delta sizes,
and counts their deliberately many mid-word cuts.
"""

from __future__ import annotations

import itertools
import json
import statistics
from collections import Counter
from pathlib import Path

import pytest

import streaming_course
from streaming_course.replay.fixture import Fixture, load_fixture
from streaming_course.replay.synth import TextBlock, synthesize
from streaming_course.replay.synth_figures import (
    Figures,
    cut_inside_word,
    deltas_of,
    is_word_character,
    measure,
    message_deltas,
    percentile,
)

ROOT = Path(__file__).parent.parent
SHIPPED = sorted((Path(streaming_course.__file__).parent / "fixtures").rglob("*.sse"))
CAPTURES = sorted((Path(__file__).parent / "captures").glob("*.sse"))

REAL_RANGES = {  # FACTS.md figure: (lowest, highest) accepted
    "first median": (2, 5),  # 3
    "first p90": (28, 56),  # 41
    "later median": (9, 15),  # 12
    "later mean": (15, 26),  # 20
    "later p10": (2, 5),  # 3
    "later p90": (40, 66),  # 53
    "later max": (66, 132),  # 132
    "inside-word share": (0.07, 0.18),  # about 0.12
}
WORD_CHARACTERS = "".join(chr(n) for n in range(0x250) if is_word_character(chr(n)))
SIZE_FIGURES = [name for name in REAL_RANGES if name != "inside-word share"]


def outside(figures: Figures, names: list[str]) -> dict[str, float]:
    summary = figures.summary()
    return {name: summary[name] for name in names if not _within(summary[name], name)}


def _within(value: float, name: str) -> bool:
    low, high = REAL_RANGES[name]
    return low <= value <= high


@pytest.fixture(scope="module")
def shipped() -> list[Fixture]:
    assert SHIPPED, "no shipped fixtures found"
    return [load_fixture(path) for path in SHIPPED]


def test_shipped_text_deltas_fall_inside_the_real_ranges(shipped):
    figures = measure(deltas_of(fixture) for fixture in shipped)
    assert len(figures.later_lengths) > 500  # enough deltas for the figures to mean something
    assert outside(figures, list(REAL_RANGES)) == {}, figures.summary()


def test_no_shipped_fixture_has_a_fixed_cut_length_or_an_overlong_delta(shipped):
    for fixture in shipped:
        lengths = measure([deltas_of(fixture)]).later_lengths
        assert max(lengths, default=0) <= REAL_RANGES["later max"][1], fixture.name
        if len(lengths) >= 8:
            assert len(set(lengths)) >= 4, (fixture.name, lengths)


def test_cuts_inside_words_fall_at_no_fixed_offset(shipped):
    offsets: Counter[int] = Counter()
    for fixture in shipped:
        texts = [text for kind, _, text in deltas_of(fixture) if kind == "text_delta"]
        for before, after in itertools.pairwise(texts):
            if cut_inside_word(before, after):
                offsets[len(before) - len(before.rstrip(WORD_CHARACTERS))] += 1
    assert len(offsets) >= 5, offsets
    assert max(offsets.values()) < 0.5 * sum(offsets.values()), offsets


def test_shipped_json_and_thinking_deltas_and_message_delta_look_real(shipped):
    figures = measure(deltas_of(fixture) for fixture in shipped)
    assert 3 <= statistics.median(figures.json_pieces) <= 7  # real: 5
    assert 7 <= percentile(figures.json_pieces, 0.9) <= 16  # real: 11
    assert 0.05 <= figures.empty_json_share <= 0.2  # real: about 1/9
    assert 12 <= statistics.median(figures.thinking_lengths) <= 24  # real: 18
    for fixture in shipped:
        if any(event.type == "message_stop" for event in fixture.events):
            (delta,) = message_deltas(fixture)  # exactly one
            assert delta["usage"]["output_tokens"] >= 1, fixture.name


def japanese_paragraphs() -> list[str]:
    """The Japanese notebooks' Markdown paragraphs of some length: real Japanese prose."""
    paragraphs = []
    for path in sorted((ROOT / "notebooks" / "ja").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "markdown":
                text = "".join(cell["source"])
                paragraphs += [part for part in text.split("\n\n") if len(part) > 80]
    return paragraphs


def test_japanese_replies_are_cut_inside_the_real_size_ranges():
    paragraphs = japanese_paragraphs()
    assert len(paragraphs) > 40
    replies = ["\n\n".join(paragraphs[start : start + 3]) for start in range(0, 120, 3)]
    fixtures = [
        synthesize(
            {
                "model": "claude-sonnet-5-5",
                "max_tokens": 4096,
                "stream": True,
                "messages": [{"role": "user", "content": f"質問 {number}"}],
            },
            [TextBlock(reply)],
        )
        for number, reply in enumerate(replies)
    ]
    figures = measure(deltas_of(fixture) for fixture in fixtures)
    assert outside(figures, SIZE_FIGURES) == {}, figures.summary()
    assert figures.inside_word_share <= REAL_RANGES["inside-word share"][1]
    sent = ["".join(t for kind, _, t in deltas_of(f) if kind == "text_delta") for f in fixtures]
    assert sent == replies


def test_the_measure_gives_real_shapes_on_the_capture_shaped_streams():
    figures = measure(deltas_of(load_fixture(path)) for path in CAPTURES)
    names = ["first median", "later median", "later mean", "later p10", "later p90"]
    assert outside(figures, names) == {}, figures.summary()
    # These files were written to exercise mid-word cuts ("Lin" | "e endings"), far more often
    # than real streams have them; the measure counts them.
    assert figures.inside_word_share > REAL_RANGES["inside-word share"][1]


def test_the_measure_tells_a_cut_inside_a_word_from_one_between_words():
    assert cut_inside_word("Lin", "e endings")
    assert not cut_inside_word("an", " SSE")
    assert not cut_inside_word("ストリー", "ミング")  # no spaces between Japanese words
    assert not cut_inside_word("done", "")
