"""content-block-events.png: one text block, its deltas' fragments and the text so far."""

from __future__ import annotations

import itertools

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .look import CORRECT, EVENT_COLOURS, FAINT, FIG_WIDTH, INK, MUTED, Style
from .shapes import arrow, event_box, page, text_width, titles


def draw_content_block(style: Style) -> Figure:
    """One text block: start, deltas carrying fragments, stop; the snapshot grows per row."""
    fragments = style.fragments
    row_h, box_h = 0.62, 0.42
    top = 1.45
    n_rows = len(fragments) + 2
    fig, ax = page(top + 0.12 + row_h * n_rows + 0.95)
    titles(ax, style, style["cb_title"], style["cb_subtitle"])

    box_x, box_w = 0.35, 2.5
    frag_x = box_x + box_w + 0.4
    snap_x = frag_x + 2.05
    size = 11.5  # of fragments and snapshots
    pad = 0.06  # between a snapshot's chips and the column's left edge

    # Column headers and a rule under them.
    headers = ((box_x, "cb_col_event"), (frag_x, "cb_col_fragment"), (snap_x, "cb_col_snapshot"))
    for x, key in headers:
        ax.text(
            x,
            top - 0.12,
            style[key],
            va="bottom",
            family=style.sans,
            **style.strong(MUTED, 9.5),
        )
    ax.plot([box_x, FIG_WIDTH - 0.3], [top - 0.05, top - 0.05], color=FAINT, lw=1)

    # Older fragments get alternating light tints of the delta colour, so each fragment's
    # extent stays visible; the fragment that just arrived gets the full colour.
    new_face = EVENT_COLOURS["content_block_delta"]
    old_faces = ("#CFE9F9", "#E9F5FC")

    def snapshot(y: float, upto: int, *, highlight: bool) -> float:
        """Draw the text accumulated from fragments[:upto]; return its width in inches."""
        text = "".join(fragments[:upto])
        if not text:
            ax.add_patch(
                Rectangle(
                    (snap_x + pad, y + 0.05),
                    0.9,
                    box_h - 0.1,
                    facecolor="white",
                    edgecolor=MUTED,
                    lw=1,
                    ls=(0, (3, 2)),
                )
            )
            ax.text(
                snap_x + pad + 0.45,
                y + box_h / 2,
                style["cb_empty"],
                ha="center",
                va="center_baseline",
                fontsize=9,
                color=MUTED,
                family=style.sans,
            )
            return 0.9
        start = 0.0
        for i, frag in enumerate(fragments[:upto]):
            width = text_width(ax, frag, size=size, family=style.mono)
            face = new_face if highlight and i == upto - 1 else old_faces[i % 2]
            ax.add_patch(
                Rectangle(
                    (snap_x + pad + start, y + 0.04),
                    width,
                    box_h - 0.08,
                    facecolor=face,
                    edgecolor="white",
                    lw=1,
                )
            )
            start += width
        # One text for the whole snapshot, so it reads as continuous text over the chips.
        ax.text(
            snap_x + pad,
            y + box_h / 2,
            text,
            fontsize=size,
            va="center_baseline",
            color=INK,
            family=style.mono,
        )
        return start

    def code(y: float, lines: list[str]) -> None:
        """Small code lines centred on a row."""
        first = y + box_h / 2 - 0.09 * (len(lines) - 1)
        for i, text in enumerate(lines):
            ax.text(
                frag_x,
                first + 0.18 * i,
                text,
                fontsize=8.5,
                va="center_baseline",
                color=INK,
                family=style.code,
            )

    y = top + 0.12
    tops: list[float] = []
    # content_block_start: an empty text block.
    event_box(ax, style, "content_block_start", box_x, y, box_w, box_h)
    code(y, ["index: 0, content_block:", '  {type: "text", text: ""}'])
    snapshot(y, 0, highlight=False)
    tops.append(y)
    # One content_block_delta per fragment. The fragment is quoted so leading and trailing
    # spaces are visible.
    for i, frag in enumerate(fragments, start=1):
        y += row_h
        event_box(ax, style, "content_block_delta", box_x, y, box_w, box_h)
        ax.text(
            frag_x,
            y + box_h / 2,
            f'"{frag}"',
            fontsize=size,
            va="center_baseline",
            color=INK,
            family=style.mono,
        )
        snapshot(y, i, highlight=True)
        tops.append(y)
    # content_block_stop: the snapshot is now the block's final text.
    y += row_h
    event_box(ax, style, "content_block_stop", box_x, y, box_w, box_h)
    code(y, ["index: 0"])
    width = snapshot(y, len(fragments), highlight=False)
    ax.text(
        snap_x + pad + width + 0.15,
        y + box_h / 2,
        "✓",
        va="center_baseline",
        family=style.sans,
        **style.strong(CORRECT, 12),
    )
    ax.text(
        snap_x + pad,
        y + box_h + 0.06,
        style["cb_final"],
        fontsize=9,
        va="top",
        color=CORRECT,
        family=style.sans,
    )
    tops.append(y)

    for a, b in itertools.pairwise(tops):
        arrow(ax, (box_x + box_w / 2, a + box_h + 0.02), (box_x + box_w / 2, b - 0.02))

    # Footer: what the highlight means, and the rule to take away.
    foot_y = y + box_h + 0.45
    ax.add_patch(Rectangle((box_x, foot_y - 0.07), 0.3, 0.16, facecolor=new_face))
    ax.text(
        box_x + 0.4,
        foot_y,
        style["cb_legend_new"],
        fontsize=9,
        va="center_baseline",
        color=MUTED,
        family=style.sans,
    )
    ax.text(
        box_x,
        foot_y + 0.3,
        style["cb_footer"],
        fontsize=9,
        va="center_baseline",
        color=INK,
        family=style.sans,
    )
    return fig
