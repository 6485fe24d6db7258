"""The timing plots render in English and Japanese, with every glyph in a font."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from streaming_course.plots import plot_timeline, plot_tokens_over_time


@dataclass
class StandInTiming:
    """The fields of `streaming_course.timing.Timing` that the plots read, and the rest."""

    ttft: float
    total: float
    output_tokens: int
    tokens_per_second: float
    delta_times: list[float]
    delta_chars: list[int]
    streamed: bool
    model: str


NON_STREAMED = StandInTiming(3.1, 3.1, 300, 96.8, [3.1], [1250], False, "claude-haiku-5-5")
STREAMED = StandInTiming(
    0.42,
    3.3,
    300,
    90.9,
    [0.42 + 0.03 * n for n in range(96)],
    [13] * 96,
    True,
    "claude-haiku-5-5",
)


def render_png(figure: plt.Figure) -> bytes:
    """The figure as PNG bytes, failing on any warning about a missing glyph."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    plt.close(figure)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == []
    return buffer.getvalue()


def all_text(figure: plt.Figure) -> str:
    return " ".join(text.get_text() for text in figure.findobj(matplotlib.text.Text))


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_timeline_renders(language: str):
    figure = plot_timeline(NON_STREAMED, STREAMED, language=language)
    text = all_text(figure)
    assert ("Streamed" in text) == (language == "en")
    assert ("ストリーミング" in text) == (language == "ja")
    assert render_png(figure).startswith(b"\x89PNG")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_tokens_over_time_renders_with_a_legend(language: str):
    figure = plot_tokens_over_time(NON_STREAMED, STREAMED, language=language)
    legend = figure.axes[0].get_legend()
    assert [t.get_text().startswith("claude-haiku-5-5") for t in legend.get_texts()] == [True] * 2
    assert render_png(figure).startswith(b"\x89PNG")


def test_the_language_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("STREAMING_COURSE_LANG", "ja")
    figure = plot_tokens_over_time(STREAMED)
    assert "受信した文字数" in all_text(figure)
    render_png(figure)


def test_plots_draw_into_given_axes():
    figure, (top, bottom) = plt.subplots(2, 1)
    assert plot_timeline(NON_STREAMED, STREAMED, ax=top) is figure
    assert plot_tokens_over_time(STREAMED, ax=bottom) is figure
    render_png(figure)
