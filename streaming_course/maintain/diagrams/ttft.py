"""ttft-timeline.png: time to first token, streamed and not, on one time axis."""

from __future__ import annotations

import random

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .look import CORRECT, DPI, EVENT_COLOURS, FIG_WIDTH, INK, MUTED, WAITING, Style


def draw_ttft(style: Style) -> Figure:
    """Two requests on one time axis: everything at 47 s, or tokens from 1.9 s to 47 s."""
    ttft, total = 1.9, 47.0
    fig = Figure(figsize=(FIG_WIDTH, 4.3), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    fig.text(
        0.035,
        0.95,
        style["tt_title"],
        va="top",
        family=style.sans,
        **style.strong(INK, 15),
    )
    fig.text(
        0.035, 0.87, style["tt_subtitle"], fontsize=10, color=MUTED, va="top", family=style.sans
    )
    ax = fig.add_axes((0.17, 0.26, 0.8, 0.52))
    nonstream, stream = 1.0, 0.0  # row positions
    bar_h = 0.5
    tokens = EVENT_COLOURS["content_block_delta"]

    # Not streamed: a long wait, then the whole response at once.
    ax.barh(nonstream, total, height=bar_h, color=WAITING)
    ax.text(
        total / 2,
        nonstream,
        style["tt_waiting"],
        ha="center",
        va="center",
        fontsize=9,
        color=MUTED,
        family=style.sans,
    )
    ax.barh(nonstream, 1.2, left=total - 0.6, height=bar_h, color=tokens, edgecolor=INK, lw=0.8)
    ax.text(
        total + 1.0,
        nonstream,
        style["tt_all_at_once"],
        ha="left",
        va="center",
        fontsize=8.5,
        color=INK,
        family=style.sans,
        linespacing=1.1,
    )

    # Streamed: a short wait, then one tick per content_block_delta until the end. The
    # ticks are jittered by a seeded generator: irregular like real traffic, yet the same
    # on every run.
    ax.barh(stream, ttft, height=bar_h, color=WAITING)
    ax.barh(stream, total - ttft, left=ttft, height=bar_h, color="#EAF5FC")
    rng = random.Random(20240611)
    n_ticks = 140
    step = (total - ttft) / n_ticks
    ticks = [ttft + step * (i + rng.uniform(0.1, 0.9)) for i in range(n_ticks)]
    ax.vlines(ticks, stream - bar_h / 2 + 0.04, stream + bar_h / 2 - 0.04, color=tokens, lw=1.6)
    ax.text(
        (ttft + total) / 2,
        stream - bar_h / 2 - 0.08,
        style["tt_tokens"],
        ha="center",
        va="top",
        fontsize=8.5,
        color=INK,
        family=style.sans,
    )

    # TTFT markers: a line through the row and a labelled pin above it.
    for x, y, key, ha, dx in (
        (ttft, stream, "tt_ttft_stream", "left", 0.8),
        (total, nonstream, "tt_ttft_nonstream", "right", -0.8),
    ):
        pin = y + bar_h / 2 + 0.25
        ax.plot([x, x], [y - bar_h / 2 - 0.02, pin], color=CORRECT, lw=1.6)
        ax.plot([x], [pin], marker="v", color=CORRECT, ms=6)
        ax.text(
            x + dx,
            pin,
            style[key],
            ha=ha,
            va="center",
            family=style.sans,
            linespacing=1.1,
            **style.strong(CORRECT, 9.5),
        )

    # Total time: one span over both rows.
    span_y = nonstream + 0.78
    ax.annotate(
        "",
        xy=(total, span_y),
        xytext=(0, span_y),
        arrowprops={"arrowstyle": "<|-|>", "color": MUTED, "lw": 1.1, "shrinkA": 0, "shrinkB": 0},
    )
    ax.text(
        total / 2,
        span_y + 0.08,
        style["tt_total"],
        ha="center",
        va="bottom",
        fontsize=9.5,
        color=INK,
        family=style.sans,
    )

    ax.set_yticks(
        [nonstream, stream],
        [style["tt_row_nonstream"], style["tt_row_stream"]],
        family=style.sans,
        **style.strong(INK, 10),
    )
    ax.set_ylim(-0.75, 2.05)
    ax.set_xlim(0, 54)
    ax.set_xticks(range(0, 51, 5))
    ax.tick_params(axis="x", labelsize=8.5)
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel(style["tt_xlabel"], fontsize=9.5, family=style.sans)
    ax.spines[["top", "right", "left"]].set_visible(False)
    fig.text(
        0.035, 0.035, style["tt_footer"], fontsize=9, color=INK, va="bottom", family=style.sans
    )
    return fig
