"""Charts of when a reply arrived: waiting vs receiving, and text piling up over time.

In replay mode each chart says under its title that it shows replayed recordings, and that the
course's own are synthesized (their timing is modelled, not measured).

    >>> import matplotlib.pyplot as plt
    >>> from streaming_course.timing import compare
    >>> comparison = compare(client, **request)                              # doctest: +SKIP
    >>> plot_timeline(comparison.non_streamed, comparison.streamed)          # doctest: +SKIP
    >>> plt.show()                                                           # doctest: +SKIP
    >>> plot_text_over_time(comparison.non_streamed, comparison.streamed)    # doctest: +SKIP

Each function returns its matplotlib `Figure`. End a notebook cell that plots with
`plt.show()` (or a `;`): otherwise the cell also prints the figure's `<Figure size …>`
text, and the figure may show twice.
"""

from __future__ import annotations

from itertools import accumulate
from typing import Protocol

import matplotlib
import matplotlib.pyplot as plt
import matplotlib_fontja  # noqa: F401 - registers IPAexGothic, the Japanese font it ships
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .config import PACKAGE_FIXTURES, Settings, load_settings
from .fonts import PLOT_FONTS
from .i18n import message

WAITING_COLOR = "#C9CED6"
RECEIVING_COLOR = "#3B7DD8"
MARK_COLOR = "#1A1A1A"


class Timing(Protocol):
    """What the plots read from a `streaming_course.timing.Timing`."""

    ttft: float  # seconds from the request to the first text
    total: float  # seconds from the request to the last text
    delta_times: list[float]  # when each piece of text arrived
    delta_chars: list[int]  # how many characters each piece had
    streamed: bool
    model: str


def use_course_fonts() -> None:
    """Draw Latin text in matplotlib's usual font and Japanese in IPAexGothic, glyph by glyph.

    >>> use_course_fonts()
    >>> matplotlib.rcParams["font.family"]
    ['DejaVu Sans', 'IPAexGothic']
    """
    matplotlib.rcParams["font.family"] = PLOT_FONTS


def plot_timeline(
    non_streamed: Timing, streamed: Timing, ax: Axes | None = None, *, language: str | None = None
) -> Figure:
    """Two bars on one time axis: waiting for the first text, then receiving the rest.

    >>> figure = plot_timeline(comparison.non_streamed, comparison.streamed)  # doctest: +SKIP
    """
    use_course_fonts()
    figure, ax = _figure_and_axes(ax, size=(8, 3))
    rows = [(streamed, "plots.streamed"), (non_streamed, "plots.not_streamed")]  # bottom first
    ax.set_xlim(0, max(non_streamed.total, streamed.total) * 1.05)
    ax.set_ylim(-0.5, len(rows) + 0.3)  # room above the bars for the legend
    for row, (timing, _) in enumerate(rows):
        ax.barh(row, timing.ttft, height=0.5, color=WAITING_COLOR)
        ax.barh(
            row, timing.total - timing.ttft, left=timing.ttft, height=0.5, color=RECEIVING_COLOR
        )
        _mark_first_text(ax, row, timing.ttft, language)
    ax.set_yticks(range(len(rows)), [message(key, language) for _, key in rows])
    ax.set_xlabel(message("plots.seconds", language))
    ax.set_title(_titled("plots.timeline_title", language))
    _name_bars(ax, language)
    figure.tight_layout()
    return figure


def plot_text_over_time(
    *timings: Timing, ax: Axes | None = None, language: str | None = None
) -> Figure:
    """How many characters of text had arrived at each moment: one step curve per timing.

    It counts characters, not tokens: a stream says how many tokens it used only at its end.

    >>> figure = plot_text_over_time(timing_haiku, timing_sonnet)  # doctest: +SKIP
    """
    use_course_fonts()
    figure, ax = _figure_and_axes(ax, size=(8, 3.6))
    for timing in timings:
        times = [0.0, *timing.delta_times, timing.total]
        arrived = [0, *accumulate(timing.delta_chars)]
        ax.step(times, [*arrived, arrived[-1]], where="post", label=_series_name(timing, language))
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.set_xlabel(message("plots.seconds", language))
    ax.set_ylabel(message("plots.characters", language))
    ax.set_title(_titled("plots.arrival_title", language))
    if timings:
        ax.legend(loc="upper left")
    figure.tight_layout()
    return figure


plot_tokens_over_time = plot_text_over_time
"""The earlier name of `plot_text_over_time`, kept for old code: it always plotted characters."""


def replay_note(language: str | None = None, settings: Settings | None = None) -> str | None:
    """What a chart of replayed timings must say about them; None in live mode.

    >>> replay_note("en", load_settings({"STREAMING_COURSE_MODE": "replay"}))
    '(synthesized recordings: modelled timing, not measured)'
    """
    settings = settings or load_settings()
    if settings.mode == "live":
        return None
    own = any(folder != PACKAGE_FIXTURES for folder in settings.fixture_dirs)
    return message("plots_replay.yours_then_synth" if own else "plots_replay.synthesized", language)


def _titled(key: str, language: str | None) -> str:
    """The chart's title, with the replay note on a second line in replay mode."""
    note = replay_note(language)
    title = message(key, language)
    return title if note is None else f"{title}\n{note}"


def _figure_and_axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    figure, ax = plt.subplots(figsize=size)
    return figure, ax


def _mark_first_text(ax: Axes, row: int, ttft: float, language: str | None) -> None:
    """A tick at the time to first text, labelled above the bar, on the side with more room."""
    ax.vlines(ttft, row - 0.32, row + 0.32, color=MARK_COLOR, linewidth=1.5)
    on_the_left = ttft > ax.get_xlim()[1] / 2
    ax.annotate(
        message("plots.first_text", language, seconds=ttft),
        xy=(ttft, row + 0.32),
        xytext=(-3 if on_the_left else 3, 1),
        textcoords="offset points",
        ha="right" if on_the_left else "left",
        va="bottom",
        fontsize=9,
        color=MARK_COLOR,
    )


def _name_bars(ax: Axes, language: str | None) -> None:
    """A legend for the two colours, whatever rows were drawn."""
    handles = [
        plt.Rectangle((0, 0), 1, 1, color=WAITING_COLOR),
        plt.Rectangle((0, 0), 1, 1, color=RECEIVING_COLOR),
    ]
    labels = [message("plots.waiting", language), message("plots.receiving", language)]
    ax.legend(handles, labels, loc="upper center", ncols=2, frameon=False, fontsize="small")


def _series_name(timing: Timing, language: str | None) -> str:
    kind = message("plots.streamed" if timing.streamed else "plots.not_streamed", language)
    return message("plots.series", language, model=timing.model, kind=kind)
