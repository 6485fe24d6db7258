"""Draw the course's diagrams with matplotlib and write them as PNGs.

    python scripts/draw_diagrams.py                  # English and Japanese, into images/
    python scripts/draw_diagrams.py --lang ja        # only images/ja/
    python scripts/draw_diagrams.py --out /tmp/imgs  # somewhere else

Every picture is drawn from scratch here (no external images), so the notebooks' figures can
be rebuilt, reviewed and translated like code. English files go to `<out>/<name>.png`,
Japanese ones to `<out>/ja/<name>.png`; the names are fixed because the notebooks link them.

Conventions shared by all diagrams:

* Each stream event type has one colour everywhere (`EVENT_COLOURS`, the Okabe-Ito
  colour-blind-safe palette), and its name is always written on it, so colour is never the
  only cue.
* All words a learner reads live in one dict per language (`LABELS_EN`, `LABELS_JA`). Event
  type names and the JSON-like snippets (`SNIPPETS`) stay English in both editions.
* Output is deterministic: no timestamps or software tag in the PNG metadata, a fixed SVG
  hash salt and a seeded random generator, so re-running the script changes no file.
* A glyph missing from the fonts is an error, not a warning: a figure with tofu boxes in
  place of Japanese characters must never be written.
"""

from __future__ import annotations

import argparse
import itertools
import random
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

# --------------------------------------------------------------------------------------
# Where and how big
# --------------------------------------------------------------------------------------

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "images"

DPI = 150
FIG_WIDTH = 9.6  # inches: 9.6 in x 150 dpi = 1440 px wide

LANGUAGES = ("en", "ja")

# --------------------------------------------------------------------------------------
# Colours: one per event type, Okabe-Ito palette (safe for the common colour-vision
# deficiencies). Text on a box is black or white, whichever contrasts more.
# --------------------------------------------------------------------------------------

EVENT_COLOURS: dict[str, str] = {
    "message_start": "#0072B2",  # blue
    "content_block_start": "#009E73",  # bluish green
    "content_block_delta": "#56B4E9",  # sky blue
    "content_block_stop": "#E69F00",  # orange
    "message_delta": "#CC79A7",  # reddish purple
    "message_stop": "#3A3A3A",  # near black
    "ping": "#F0E442",  # yellow
    "error": "#D55E00",  # vermillion
}

INK = "#1A1A1A"  # main text
MUTED = "#555555"  # explanatory prose
FAINT = "#BBBBBB"  # guides, separators
WAITING = "#DDDDDD"  # "nothing is happening yet" fill
# Right and wrong answers. Neither may look like an event type it is not: "right" is plain
# ink, "wrong" borrows the error colour on purpose.
CORRECT = INK
WRONG = EVENT_COLOURS["error"]  # a wrong answer reuses the error colour

# Font families, per language. Japanese text falls back glyph by glyph: IPAexGothic (from
# matplotlib-fontja) for kana and kanji, DejaVu for symbols such as ✓ and ✗. Event names
# and payload snippets are ASCII in every edition and always use CODE.
SANS: dict[str, list[str]] = {
    "en": ["DejaVu Sans"],
    "ja": ["IPAexGothic", "DejaVu Sans"],
}
MONO: dict[str, list[str]] = {
    "en": ["DejaVu Sans Mono"],
    "ja": ["DejaVu Sans Mono", "IPAexGothic"],
}
CODE: list[str] = ["DejaVu Sans Mono"]

# --------------------------------------------------------------------------------------
# Words. One dict per language, same keys. "\n" marks where a long label breaks: matplotlib
# does not wrap text, and Japanese has no spaces to wrap at anyway.
# --------------------------------------------------------------------------------------

LABELS_EN: dict[str, str] = {
    # 1. stream-event-sequence.png
    "seq_title": "One streamed message, event by event",
    "seq_subtitle": "Example with extended thinking on: block 0 is thinking, block 1 is text",
    "seq_time": "time",
    "seq_block0": "content block 0 · thinking",
    "seq_block1": "content block 1 · text",
    "seq_times_n": "× n",
    "seq_message_start": "Message shell: content is still empty; input tokens are already counted.",
    "seq_block0_start": "Opens block 0 with an empty thinking string.",
    "seq_ping": "Keep-alive. Can appear anywhere (often right here); safe to ignore.",
    "seq_thinking_delta": "Append each fragment to block 0's thinking.",
    "seq_signature_delta": "A thinking block ends with its signature.",
    "seq_block0_stop": "Block 0 is complete.",
    "seq_block1_start": "Opens block 1 with empty text.",
    "seq_text_delta": "Append each fragment to block 1's text.\n"
    "(A tool_use block gets input_json_delta instead: partial JSON strings.)",
    "seq_block1_stop": "Block 1 is complete.",
    "seq_message_delta": "Top-level changes: stop_reason and cumulative output_tokens\n"
    "(and input or cache counts, when they changed). Usually one per message.",
    "seq_message_stop": "End of the stream: the message is complete.",
    "seq_error": "Can arrive at any point instead of the remaining events, and ends the\n"
    "stream (e.g. overloaded_error, the streamed counterpart of HTTP 529).",
    "seq_error_line": "an error may interrupt anywhere",
    # 2. content-block-events.png
    "cb_title": "Zoom on one text content block",
    "cb_subtitle": "Each content_block_delta carries a fragment; joined in order they give "
    "the text so far",
    "cb_col_event": "event",
    "cb_col_fragment": "delta.text (fragment)",
    "cb_col_snapshot": "accumulated text (snapshot)",
    "cb_empty": "(empty)",
    "cb_final": "final text of block 0",
    "cb_legend_new": "the fragment that just arrived",
    "cb_footer": "Fragments ignore word boundaries: append them as they arrive and never assume "
    "that one delta is one word.",
    # 3. token-usage.png
    "tu_title": "Where token usage lives in a stream",
    "tu_subtitle": "Input counts come in message_start; output counts, cumulative, in "
    "message_delta (which may resend newer input counts)",
    "tu_content_events": "content block\nevents …",
    "tu_input_caption": "Read the input side from message_start.message.usage;\n"
    "a message_delta that resends a count replaces it",
    "tu_placeholder": "← only a starting value, not the total",
    "tu_delta_caption": "Each message_delta.usage.output_tokens is the running total so far",
    "tu_chart_title": "usage.output_tokens reported by each message_delta (were there several)",
    "tu_chart_ylabel": "output tokens",
    "tu_bar_delta": "message_delta\n#{n}",
    "tu_right": "last value\n= total",
    "tu_wrong": "sum of\nall values",
    "tu_right_note": "✓ correct",
    "tu_wrong_note": "✗ wrong: counts\nthe same tokens again",
    # 4. ttft-timeline.png
    "tt_title": "Time to first token (TTFT): streamed vs. not streamed",
    "tt_subtitle": "Illustrative numbers: a large model writing about 1,000 output tokens",
    "tt_row_nonstream": "Not streamed",
    "tt_row_stream": "Streamed",
    "tt_waiting": "waiting: nothing to show yet",
    "tt_all_at_once": "whole response\nat once",
    "tt_tokens": "tokens arrive continuously (content_block_delta events)",
    "tt_ttft_stream": "TTFT ≈ 1.9 s",
    "tt_ttft_nonstream": "TTFT ≈ 47 s\n(= total time)",
    "tt_total": "total ≈ 47 s either way",
    "tt_footer": "Streaming doesn't make generation faster; it lets the reader see progress "
    "45 seconds sooner.",
    "tt_xlabel": "seconds since the request was sent",
}

LABELS_JA: dict[str, str] = {
    # 1. stream-event-sequence.png
    "seq_title": "ストリーミングされた 1 つのメッセージのイベントの流れ",
    "seq_subtitle": "拡張思考 (extended thinking) を有効にした例: "
    "ブロック 0 は thinking、ブロック 1 は text",
    "seq_time": "時間",
    "seq_block0": "コンテンツブロック 0 · thinking",
    "seq_block1": "コンテンツブロック 1 · text",
    "seq_times_n": "× n",
    "seq_message_start": "メッセージの外枠。content はまだ空だが、"
    "入力トークン数はもう確定している。",
    "seq_block0_start": "ブロック 0 を空の thinking 文字列で開始する。",
    "seq_ping": "接続維持 (キープアライブ) 用。どこにでも現れうる (この位置が多い)。\n"
    "無視してよい。",
    "seq_thinking_delta": "届いた断片をブロック 0 の thinking に順に追加する。",
    "seq_signature_delta": "thinking ブロックの最後には署名 (signature) が届く。",
    "seq_block0_stop": "ブロック 0 が完成。",
    "seq_block1_start": "ブロック 1 を空のテキストで開始する。",
    "seq_text_delta": "届いた断片をブロック 1 のテキストに順に追加する。\n"
    "(tool_use ブロックなら代わりに input_json_delta: 部分的な JSON 文字列が届く。)",
    "seq_block1_stop": "ブロック 1 が完成。",
    "seq_message_delta": "メッセージ全体の変更: stop_reason と累計の output_tokens\n"
    "(入力やキャッシュの数が変わったときはそれも)。ふつうは 1 メッセージに 1 回届く。",
    "seq_message_stop": "ストリームの終わり。メッセージが完成。",
    "seq_error": "どの時点でも残りのイベントの代わりに届きうる。届いたらストリームは終了\n"
    "(例: overloaded_error。ストリーミングでない場合の HTTP 529 に相当)。",
    "seq_error_line": "エラーはどこででも割り込みうる",
    # 2. content-block-events.png
    "cb_title": "1 つのテキストコンテンツブロックを拡大",
    "cb_subtitle": "各 content_block_delta は断片を運ぶ。"
    "順につなげるとその時点までのテキストになる",
    "cb_col_event": "イベント",
    "cb_col_fragment": "delta.text (断片)",
    "cb_col_snapshot": "これまでのテキスト (スナップショット)",
    "cb_empty": "(空)",
    "cb_final": "ブロック 0 の最終テキスト",
    "cb_legend_new": "今届いた断片",
    "cb_footer": "断片は単語の区切りを気にしない。届いた順にそのまま連結し、"
    "1 つのデルタが 1 語だと決めつけないこと。",
    # 3. token-usage.png
    "tu_title": "ストリームのどこにトークン使用量があるか",
    "tu_subtitle": "入力の数は message_start に、出力の数は累計で message_delta に届く"
    "（後者が入力の数を送り直すこともある）",
    "tu_content_events": "コンテンツブロックの\nイベント …",
    "tu_input_caption": "入力側の数は message_start.message.usage から読み、\n"
    "message_delta が送り直したらその値で置き換える",
    "tu_placeholder": "← 初期値にすぎず、合計ではない",
    "tu_delta_caption": "各 message_delta.usage.output_tokens はその時点までの累計",
    "tu_chart_title": "各 message_delta が報告する usage.output_tokens (複数あった場合)",
    "tu_chart_ylabel": "出力トークン",
    "tu_bar_delta": "message_delta\n#{n}",
    "tu_right": "最後の値\n= 合計",
    "tu_wrong": "すべての値\nを足す",
    "tu_right_note": "✓ 正しい",
    "tu_wrong_note": "✗ 誤り: 同じトークンを\n何度も数えている",
    # 4. ttft-timeline.png
    "tt_title": "最初のトークンまでの時間 (TTFT): ストリーミングあり vs. なし",
    "tt_subtitle": "例示の数値: 大きなモデルが約 1,000 出力トークンを生成する場合",
    "tt_row_nonstream": "ストリーミング\nなし",
    "tt_row_stream": "ストリーミング\nあり",
    "tt_waiting": "待機中: まだ何も表示できない",
    "tt_all_at_once": "応答全体が\n一度に届く",
    "tt_tokens": "トークンが次々に届く (content_block_delta イベント)",
    "tt_ttft_stream": "TTFT ≈ 1.9 秒",
    "tt_ttft_nonstream": "TTFT ≈ 47 秒\n(= 全体の時間)",
    "tt_total": "全体の時間はどちらも約 47 秒",
    "tt_footer": "ストリーミングで生成が速くなるわけではない。読み手が進み具合を 45 秒早く"
    "見られるようになる。",
    "tt_xlabel": "リクエスト送信からの経過時間 (秒)",
}

LABELS: dict[str, dict[str, str]] = {"en": LABELS_EN, "ja": LABELS_JA}

# The example text of content-block-events.png, as the fragments the deltas carry. They cut
# words on purpose. The Japanese edition gets a Japanese sentence.
EXAMPLE_FRAGMENTS: dict[str, tuple[str, ...]] = {
    "en": ("Stre", "aming sends", " text as it", "'s written."),
    "ja": ("ストリ", "ーミングなら", "書いたそばから", "届きます。"),
}

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


# --------------------------------------------------------------------------------------
# Drawing helpers
# --------------------------------------------------------------------------------------


class Style:
    """The words and fonts of one language, handed to every drawing function."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.labels = LABELS[lang]
        self.sans = SANS[lang]
        self.mono = MONO[lang]
        self.code = CODE

    def __getitem__(self, key: str) -> str:
        return self.labels[key]

    def strong(self, colour: str, size: float) -> dict[str, Any]:
        """Text properties (colour, size, weight) for emphasis in this language's sans font.

        IPAexGothic has no bold face, and asking for one makes matplotlib log a warning and
        fall back to regular. For Japanese, a thin outline in the text's own colour, in
        proportion to the font size, thickens the strokes instead.
        """
        if self.lang == "en":
            return {"color": colour, "fontsize": size, "fontweight": "bold"}
        outline = patheffects.withStroke(linewidth=size / 20, foreground=colour)
        return {"color": colour, "fontsize": size, "path_effects": [outline]}


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


# --------------------------------------------------------------------------------------
# 1. stream-event-sequence.png
# --------------------------------------------------------------------------------------


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


def annotation(
    ax: Axes, style: Style, x: float, y: float, code: list[str], prose: str, line: float
) -> None:
    """Code lines (what the event carries), then prose lines (what to do with it)."""
    for i, text in enumerate(code):
        ax.text(x, y + i * line, text, fontsize=8.4, color=INK, va="top", family=style.code)
    for j, text in enumerate(prose.split("\n"), start=len(code)):
        ax.text(x, y + j * line, text, fontsize=8.6, color=MUTED, va="top", family=style.sans)


# --------------------------------------------------------------------------------------
# 2. content-block-events.png
# --------------------------------------------------------------------------------------


def draw_content_block(style: Style) -> Figure:
    """One text block: start, deltas carrying fragments, stop; the snapshot grows per row."""
    fragments = EXAMPLE_FRAGMENTS[style.lang]
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


# --------------------------------------------------------------------------------------
# 3. token-usage.png
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# 4. ttft-timeline.png
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------

DIAGRAMS: dict[str, Callable[[Style], Figure]] = {
    "stream-event-sequence.png": draw_event_sequence,
    "content-block-events.png": draw_content_block,
    "token-usage.png": draw_token_usage,
    "ttft-timeline.png": draw_ttft,
}


def write_all(out: Path, langs: Sequence[str]) -> list[Path]:
    """Draw every diagram in every language of `langs` into `out` (Japanese into out/ja)."""
    if "ja" in langs:
        # Registers IPAexGothic with matplotlib's font manager. It also changes the default
        # font family, which is harmless: every text here names its family, and the
        # rc_context below sets the default per language anyway.
        import matplotlib_fontja  # noqa: F401

    written: list[Path] = []
    for lang in langs:
        target = out if lang == "en" else out / lang
        target.mkdir(parents=True, exist_ok=True)
        style = Style(lang)
        rc = {"svg.hashsalt": "streaming-course", "font.family": SANS[lang]}
        with mpl.rc_context(rc), warnings.catch_warnings():
            # "Glyph 12354 (...) missing from font(s) DejaVu Sans." means tofu boxes in the
            # PNG: fail rather than write a broken figure.
            warnings.filterwarnings("error", message=r".*missing from (current )?font")
            for name, draw in DIAGRAMS.items():
                path = target / name
                # No "Software" entry and no timestamp: the bytes depend on the drawing only.
                draw(style).savefig(path, dpi=DPI, metadata={"Software": None})
                written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description="Draw the course's diagrams as PNGs.")
    parser.add_argument(
        "--lang",
        choices=[*LANGUAGES, "all"],
        default="all",
        help="which edition to draw (default: all)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output directory (default: images/ at the repository root)",
    )
    args = parser.parse_args(argv)
    langs = LANGUAGES if args.lang == "all" else (args.lang,)
    for path in write_all(args.out, langs):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
