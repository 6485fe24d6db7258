"""How every diagram looks: sizes, one colour per event type, and each language's words and fonts.

* Each stream event type has one colour everywhere (`EVENT_COLOURS`, the Okabe-Ito
  colour-blind-safe palette), and its name is always written on it, so colour is never the
  only cue.
* The words come from the message catalogs (the ``[diagrams]`` section of
  ``streaming_course/messages/<lang>.toml``), the fonts from `streaming_course.fonts`. Event
  type names and the JSON-like snippets stay English in both editions.

    >>> Style("en")["seq_time"], Style("ja")["seq_time"]
    ('time', '時間')
"""

from __future__ import annotations

from typing import Any

from matplotlib import patheffects

from ...fonts import CODE_FONTS, code_fonts, figure_fonts
from ...i18n import catalog

DPI = 150
FIG_WIDTH = 9.6  # inches: 9.6 in x 150 dpi = 1440 px wide
LABEL_PREFIX = "diagrams."

# One colour per event type, the Okabe-Ito palette (safe for the common colour-vision
# deficiencies). Text on a box is black or white, whichever contrasts more.

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


class Style:
    """The words and fonts of one language, handed to every drawing function."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.labels = labels(lang)
        self.sans = figure_fonts(lang)
        self.mono = code_fonts(lang)
        self.code = CODE_FONTS

    def __getitem__(self, key: str) -> str:
        return self.labels[key]

    @property
    def fragments(self) -> list[str]:
        """The example text of content-block-events.png, cut as its deltas carry it."""
        return self["cb_fragments"].split("|")

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


def labels(lang: str) -> dict[str, str]:
    """The diagrams' words in `lang`, by key without the ``diagrams.`` prefix.

    "\\n" in a label marks where it breaks: matplotlib does not wrap text, and Japanese has
    no spaces to wrap at anyway.
    """
    return {
        key.removeprefix(LABEL_PREFIX): text
        for key, text in catalog(lang).items()
        if key.startswith(LABEL_PREFIX)
    }
