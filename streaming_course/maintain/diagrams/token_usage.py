"""token-usage.png: where input and output token counts arrive, and why outputs are not summed."""

from __future__ import annotations

from matplotlib.figure import Figure

from .look import CORRECT, EVENT_COLOURS, FAINT, FIG_WIDTH, INK, MUTED, WRONG, Style
from .shapes import arrow, event_box, page, rounded, titles


def draw_token_usage(style: Style) -> Figure:
    """Where input and output token counts appear, and why output counts are not summed."""
    deltas = (312, 640, 1000)  # the cumulative output_tokens of three message_delta events
    height = 7.75
    fig, ax = page(height)
    titles(ax, style, style["tu_title"], style["tu_subtitle"])

    # --- the event strip -------------------------------------------------------------------
    strip_y, box_h, box_w, group_w = 1.5, 0.46, 1.15, 1.4
    widths = [box_w, group_w, box_w, box_w, box_w, box_w]
    gap = (FIG_WIDTH - 0.7 - sum(widths)) / (len(widths) - 1)
    xs = [0.35 + sum(widths[:i]) + gap * i for i in range(len(widths))]
    mid = strip_y + box_h / 2
    event_box(ax, style, "message_start", xs[0], strip_y, box_w, box_h, fontsize=9)
    # The content block events are not the subject here: one neutral, dashed box for them.
    rounded(ax, xs[1], strip_y, group_w, box_h, face="#F2F2F2", edge=MUTED, lw=1, dashed=True)
    ax.text(
        xs[1] + group_w / 2,
        mid,
        style["tu_content_events"],
        ha="center",
        va="center",
        fontsize=8.5,
        color=MUTED,
        family=style.sans,
        linespacing=1.1,
    )
    for i in range(len(deltas)):
        event_box(ax, style, "message_delta", xs[2 + i], strip_y, box_w, box_h, fontsize=9)
    event_box(ax, style, "message_stop", xs[-1], strip_y, box_w, box_h, fontsize=9)
    for i in range(1, len(xs)):
        arrow(ax, (xs[i - 1] + widths[i - 1] + 0.05, mid), (xs[i] - 0.05, mid))

    # --- output side: the value each message_delta reports, under its box -------------------
    for i, value in enumerate(deltas):
        cx = xs[2 + i] + box_w / 2
        ax.text(
            cx,
            strip_y - 0.08,
            f"#{i + 1}",
            ha="center",
            va="bottom",
            fontsize=9,
            color=MUTED,
            family=style.sans,
        )
        ax.text(
            cx,
            strip_y + box_h + 0.12,
            "usage.output_tokens",
            ha="center",
            va="top",
            fontsize=7.5,
            color=INK,
            family=style.code,
        )
        ax.text(
            cx,
            strip_y + box_h + 0.34,
            f"{value}",
            ha="center",
            va="top",
            fontsize=13,
            fontweight="bold",
            color=INK,
            family=style.code,
        )
    ax.text(
        xs[2],
        strip_y + box_h + 0.78,
        style["tu_delta_caption"],
        va="top",
        family=style.sans,
        **style.strong(INK, 8.5),
    )

    # --- input side: a card under message_start -------------------------------------------
    card_x, card_y, card_w = 0.35, strip_y + box_h + 0.35, 3.0
    card = [
        ("message.usage", True),
        ("  input_tokens: 472", False),
        ("  cache_creation_input_tokens: 0", False),
        ("  cache_read_input_tokens: 2048", False),
        ("  output_tokens: 1", False),
    ]
    step = 0.2
    card_h = 0.15 + step * (len(card) + 1) + 0.05
    rounded(
        ax,
        card_x,
        card_y,
        card_w,
        card_h,
        face="white",
        edge=EVENT_COLOURS["message_start"],
        lw=1.6,
    )
    arrow(
        ax,
        (xs[0] + box_w / 2, strip_y + box_h + 0.04),
        (xs[0] + box_w / 2, card_y - 0.04),
        colour=EVENT_COLOURS["message_start"],
    )
    for i, (text, bold) in enumerate(card):
        ax.text(
            card_x + 0.15,
            card_y + 0.15 + i * step,
            text,
            fontsize=9,
            va="top",
            color=INK,
            family=style.code,
            fontweight="bold" if bold else "normal",
        )
    ax.text(
        card_x + 0.4,
        card_y + 0.15 + len(card) * step,
        style["tu_placeholder"],
        fontsize=8.5,
        va="top",
        color=MUTED,
        family=style.sans,
    )
    ax.text(
        card_x,
        card_y + card_h + 0.12,
        style["tu_input_caption"],
        va="top",
        family=style.sans,
        linespacing=1.3,
        **style.strong(EVENT_COLOURS["message_start"], 8.5),
    )

    # --- the chart: the reported values, then the right and the wrong total --------------
    # Placed in inches: left, top, width, height, converted to figure fractions.
    left, top, w, h = 1.2, 4.8, 7.6, 2.2
    chart = fig.add_axes((left / FIG_WIDTH, 1 - (top + h) / height, w / FIG_WIDTH, h / height))
    chart.set_title(
        style["tu_chart_title"], fontsize=9.5, color=INK, family=style.mono, loc="left", pad=10
    )
    bar_w = 0.6
    pos = [0.0, 1.0, 2.0, 3.6, 4.6]  # three deltas, a gap, then the two totals
    summed = sum(deltas)
    chart.bar(pos[:3], deltas, color=EVENT_COLOURS["message_delta"], width=bar_w)
    # The right total *is* the last message_delta's value: same colour, outlined.
    chart.bar(
        pos[3],
        deltas[-1],
        color=EVENT_COLOURS["message_delta"],
        width=bar_w,
        edgecolor=CORRECT,
        lw=1.8,
    )
    chart.bar(pos[4], summed, color="white", edgecolor=WRONG, hatch="///", width=bar_w, lw=1.4)
    for dx in (-1, 1):  # cross the wrong bar out
        chart.plot(
            [pos[4] - dx * bar_w / 2, pos[4] + dx * bar_w / 2], [0, summed], color=WRONG, lw=2.2
        )
    for p, v in zip(pos, [*deltas, deltas[-1], summed], strict=True):
        chart.text(
            p, v + 50, f"{v:,}", ha="center", va="bottom", fontsize=9, color=INK, family=style.code
        )
    chart.text(
        pos[3],
        deltas[-1] + 260,
        style["tu_right_note"],
        ha="center",
        va="bottom",
        family=style.sans,
        **style.strong(CORRECT, 9),
    )
    chart.text(
        pos[4] + bar_w / 2 + 0.15,
        summed * 0.6,
        style["tu_wrong_note"],
        ha="left",
        va="center",
        family=style.sans,
        linespacing=1.3,
        **style.strong(WRONG, 9),
    )
    chart.axvline((pos[2] + pos[3]) / 2, color=FAINT, lw=1, ls=(0, (2, 2)))
    # The three delta bars are ticked "#1".."#3", like the strip above, with the event name
    # once underneath them.
    tick_labels = [f"#{i}" for i in range(1, 4)] + [style["tu_right"], style["tu_wrong"]]
    chart.set_xticks(pos, tick_labels, fontsize=8.5, family=style.sans)
    chart.text(
        pos[1],
        -0.2,
        "message_delta",
        transform=chart.get_xaxis_transform(),
        ha="center",
        va="top",
        fontsize=8.5,
        fontweight="bold",
        color=INK,
        family=style.code,
    )
    chart.set_ylabel(style["tu_chart_ylabel"], fontsize=9, family=style.sans)
    chart.set_ylim(0, summed * 1.12)
    chart.set_xlim(-0.6, pos[4] + 2.2)
    chart.tick_params(axis="y", labelsize=8)
    chart.spines[["top", "right"]].set_visible(False)
    return fig
