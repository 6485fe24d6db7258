"""stream-event-sequence.png: every event of one streamed message, as a vertical timeline."""

from __future__ import annotations

from matplotlib.figure import Figure

from .look import FAINT, FIG_WIDTH, INK, MUTED, WRONG, Style
from .shapes import annotation, arrow, event_box, page, titles

# Event payloads, JSON-like and abbreviated. Code stays English in every edition.
SNIPPETS: dict[str, list[str]] = {
    "message_start": [
        'message: {id: "msg_…", role: "assistant", content: [],',
        "          usage: {input_tokens: 472, output_tokens: 1}}",
    ],
    "block0_start": ['index: 0, content_block: {type: "thinking", thinking: ""}'],
    "ping": ['{type: "ping"}'],
    "thinking_delta": ['index: 0, delta: {type: "thinking_delta", thinking: "The user…"}'],
    "signature_delta": ['index: 0, delta: {type: "signature_delta", signature: "Eq…"}'],
    "block0_stop": ["index: 0"],
    "block1_start": ['index: 1, content_block: {type: "text", text: ""}'],
    "text_delta": ['index: 1, delta: {type: "text_delta", text: "Here is"}'],
    "block1_stop": ["index: 1"],
    "message_delta": [
        'delta: {stop_reason: "end_turn", stop_sequence: null},',
        "usage: {output_tokens: 1000}",
    ],
    "message_stop": ['{type: "message_stop"}'],
    "error": ['error: {type: "overloaded_error", message: "Overloaded"}'],
}


def draw_event_sequence(style: Style) -> Figure:
    """The full event sequence of one streamed message, as a vertical timeline."""
    n = style["seq_times_n"]
    # (event, snippet key, prose key, copies stacked behind the box, tag on the box)
    rows: list[tuple[str, str, str, int, str | None]] = [
        ("message_start", "message_start", "seq_message_start", 0, None),
        ("content_block_start", "block0_start", "seq_block0_start", 0, None),
        ("ping", "ping", "seq_ping", 0, None),
        ("content_block_delta", "thinking_delta", "seq_thinking_delta", 2, n),
        ("content_block_delta", "signature_delta", "seq_signature_delta", 0, None),
        ("content_block_stop", "block0_stop", "seq_block0_stop", 0, None),
        ("content_block_start", "block1_start", "seq_block1_start", 0, None),
        ("content_block_delta", "text_delta", "seq_text_delta", 2, n),
        ("content_block_stop", "block1_stop", "seq_block1_stop", 0, None),
        ("message_delta", "message_delta", "seq_message_delta", 0, None),
        ("message_stop", "message_stop", "seq_message_stop", 0, None),
    ]
    blocks = ((1, 5, "seq_block0"), (6, 8, "seq_block1"))  # first row, last row, label
    line = 0.165  # inches per annotation line
    box_h, gap = 0.42, 0.2
    box_x, box_w = 1.45, 2.95
    note_x = box_x + box_w + 0.3
    time_x, lane_x = 0.62, 0.25  # the time arrow, and the error lane left of it

    def row_height(snippet: str, prose: str) -> float:
        n_lines = len(SNIPPETS[snippet]) + style[prose].count("\n") + 1
        return max(box_h, n_lines * line + 0.04)

    top = 1.2
    heights = [row_height(snippet, prose) for _, snippet, prose, _, _ in rows]
    error_h = row_height("error", "seq_error")
    fig, ax = page(top + sum(heights) + gap * len(heights) + 0.5 + error_h + 0.3)
    titles(ax, style, style["seq_title"], style["seq_subtitle"])

    # The rows: an event box on the left, what it carries and what it means on the right.
    y = top
    tops: list[float] = []
    for (event, snippet, prose, stacked, suffix), h in zip(rows, heights, strict=True):
        event_box(ax, style, event, box_x, y, box_w, box_h, stacked=stacked, suffix=suffix)
        annotation(ax, style, note_x, y + 0.02, SNIPPETS[snippet], style[prose], line)
        tops.append(y)
        y += h + gap
    last_y = tops[-1] + box_h

    # Which rows belong to which content block: a bracket and a rotated label.
    for first, last, key in blocks:
        y0, y1 = tops[first], tops[last] + box_h
        bx = box_x - 0.15
        ax.plot([bx + 0.08, bx, bx, bx + 0.08], [y0, y0, y1, y1], color=MUTED, lw=1.2)
        ax.text(
            bx - 0.1,
            (y0 + y1) / 2,
            style[key],
            rotation=90,
            ha="right",
            va="center",
            fontsize=8.5,
            color=MUTED,
            family=style.sans,
        )

    # Time flows down the left gutter.
    arrow(ax, (time_x, top), (time_x, last_y), width=1.4)
    ax.text(
        time_x,
        top - 0.08,
        style["seq_time"],
        ha="center",
        va="bottom",
        fontsize=9,
        color=INK,
        family=style.sans,
    )

    # The error lane: a dashed vermillion line beside the timeline, with branches into it,
    # leading to an error event drawn apart below a separator: an error can replace the
    # rest of the stream at any point.
    sep_y = last_y + 0.25
    ax.plot([box_x, FIG_WIDTH - 0.3], [sep_y, sep_y], color=FAINT, lw=1, ls=(0, (2, 2)))
    err_y = sep_y + 0.25
    err_mid = err_y + box_h / 2
    ax.plot([lane_x, lane_x], [top, err_mid], color=WRONG, lw=1.4, ls=(0, (4, 2)))
    for row_top in tops[1:-1:2]:
        ax.plot([lane_x, time_x], [row_top + box_h / 2] * 2, color=WRONG, lw=1, ls=(0, (2, 2)))
    arrow(ax, (lane_x, err_mid), (box_x - 0.04, err_mid), colour=WRONG, dashed=True, width=1.4)
    ax.text(
        lane_x - 0.06,
        (top + last_y) / 2,
        style["seq_error_line"],
        rotation=90,
        ha="right",
        va="center",
        fontsize=8.5,
        color=WRONG,
        family=style.sans,
    )
    event_box(ax, style, "error", box_x, err_y, box_w, box_h, dashed=True)
    annotation(ax, style, note_x, err_y + 0.02, SNIPPETS["error"], style["seq_error"], line)
    return fig
