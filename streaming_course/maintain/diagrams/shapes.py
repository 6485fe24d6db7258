"""The shapes the diagrams are drawn with: pages laid out in inches, boxes, arrows, text."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .look import DPI, EVENT_COLOURS, FIG_WIDTH, INK, MUTED, Style


def text_colour_on(face: str) -> str:
    """Black or white, whichever has the higher WCAG contrast ratio against `face`."""

    def luminance(colour: str) -> float:
        def channel(c: float) -> float:
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (channel(c) for c in to_rgb(colour))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    lum = luminance(face)
    contrast_with_black = (lum + 0.05) / 0.05
    contrast_with_white = 1.05 / (lum + 0.05)
    return "black" if contrast_with_black >= contrast_with_white else "white"


def page(height: float) -> tuple[Figure, Axes]:
    """A blank figure whose data coordinates are inches, with y growing downwards.

    Laying boxes out in inches keeps font sizes (points) and box sizes in one unit system:
    a 10 pt line is 10/72 in tall whatever the figure's size.
    """
    fig = Figure(figsize=(FIG_WIDTH, height), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)  # attaches a canvas, so text can be measured before saving
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, FIG_WIDTH)
    ax.set_ylim(height, 0)
    ax.set_axis_off()
    return fig, ax


def titles(ax: Axes, style: Style, title: str, subtitle: str) -> None:
    """Title and subtitle at the top left of a page made by `page`."""
    ax.text(0.35, 0.3, title, va="top", family=style.sans, **style.strong(INK, 15))
    ax.text(0.35, 0.66, subtitle, fontsize=10, color=MUTED, va="top", family=style.sans)


def rounded(
    ax: Axes,
    x: float,
    y: float,
    w: float,
    h: float,
    *,
    face: str,
    edge: str = "white",
    lw: float = 1.2,
    dashed: bool = False,
    alpha: float = 1.0,
) -> None:
    """A rounded rectangle with its top left corner at (x, y), on a page made by `page`."""
    ax.add_patch(
        FancyBboxPatch(
            (x, y),
            w,
            h,
            boxstyle="round,pad=0,rounding_size=0.08",
            facecolor=face,
            edgecolor=edge,
            linewidth=lw,
            linestyle=(0, (4, 2)) if dashed else "solid",
            alpha=alpha,
        )
    )


def event_box(
    ax: Axes,
    style: Style,
    event: str,
    x: float,
    y: float,
    w: float,
    h: float,
    *,
    fontsize: float = 10,
    dashed: bool = False,
    stacked: int = 0,
    suffix: str | None = None,
) -> None:
    """A rounded box in the event's colour with its name on it; (x, y) is the top left.

    `stacked` draws that many offset copies behind the box, the visual shorthand for
    "this event repeats"; `suffix` is a short tag at the box's right end ("× n").
    """
    face = EVENT_COLOURS[event]
    for i in range(stacked, 0, -1):
        rounded(ax, x + 0.06 * i, y - 0.06 * i, w, h, face=face, alpha=0.55)
    rounded(ax, x, y, w, h, face=face, edge=INK if dashed else "white", dashed=dashed)
    fg = text_colour_on(face)
    ax.text(
        x + w / 2,
        y + h / 2,
        event,
        ha="center",
        va="center_baseline",
        fontsize=fontsize,
        fontweight="bold",
        color=fg,
        family=style.code,
    )
    if suffix:
        ax.text(
            x + w - 0.12,
            y + h / 2,
            suffix,
            ha="right",
            va="center_baseline",
            fontsize=fontsize,
            fontweight="bold",
            color=fg,
            family=style.code,
        )


def arrow(
    ax: Axes,
    start: tuple[float, float],
    end: tuple[float, float],
    *,
    colour: str = INK,
    dashed: bool = False,
    width: float = 1.2,
) -> None:
    """A straight arrow from `start` to `end`, in data coordinates."""
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>,head_length=5,head_width=3",
            mutation_scale=1.4,
            color=colour,
            linewidth=width,
            linestyle=(0, (4, 2)) if dashed else "solid",
            shrinkA=0,
            shrinkB=0,
        )
    )


def text_width(ax: Axes, s: str, *, size: float, family: list[str]) -> float:
    """Width in inches of `s` as drawn, counting leading and trailing spaces.

    The renderer measures ink, which would drop a trailing space; bracketing the string with
    a visible character and subtracting that character's width keeps the spaces.
    """
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    prop = FontProperties(family=family, size=size)

    def raw(t: str) -> float:
        w, _, _ = renderer.get_text_width_height_descent(t, prop, ismath=False)
        return w / DPI

    return raw("|" + s + "|") - raw("||")


def annotation(
    ax: Axes, style: Style, x: float, y: float, code: list[str], prose: str, line: float
) -> None:
    """Code lines (what the event carries), then prose lines (what to do with it)."""
    for i, text in enumerate(code):
        ax.text(x, y + i * line, text, fontsize=8.4, color=INK, va="top", family=style.code)
    for j, text in enumerate(prose.split("\n"), start=len(code)):
        ax.text(x, y + j * line, text, fontsize=8.6, color=MUTED, va="top", family=style.sans)
