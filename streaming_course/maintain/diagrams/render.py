"""Draw every diagram in every language and write the PNGs, the same bytes on every run.

English files go to `<out>/<name>.png`, Japanese ones to `<out>/ja/<name>.png`; the names
are fixed because the notebooks link them.

* Output is deterministic: no timestamps or software tag in the PNG metadata, a fixed SVG
  hash salt and a seeded random generator, so re-running changes no file.
* A glyph missing from the fonts is an error, not a warning: a figure with tofu boxes in
  place of Japanese characters must never be written.
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib as mpl
from matplotlib.figure import Figure

from ...fonts import register_japanese_font
from .content_block import draw_content_block
from .event_sequence import draw_event_sequence
from .look import DPI, Style
from .options import add_options, languages
from .token_usage import draw_token_usage
from .ttft import draw_ttft

DIAGRAMS: dict[str, Callable[[Style], Figure]] = {
    "stream-event-sequence.png": draw_event_sequence,
    "content-block-events.png": draw_content_block,
    "token-usage.png": draw_token_usage,
    "ttft-timeline.png": draw_ttft,
}


def write_all(out: Path, langs: Sequence[str]) -> list[Path]:
    """Draw every diagram in every language of `langs` into `out` (Japanese into out/ja)."""
    if "ja" in langs:
        # The default font family it sets is harmless: every text here names its family,
        # and the rc_context below sets the default per language anyway.
        register_japanese_font()

    written: list[Path] = []
    for lang in langs:
        target = out if lang == "en" else out / lang
        target.mkdir(parents=True, exist_ok=True)
        style = Style(lang)
        rc = {"svg.hashsalt": "streaming-course", "font.family": style.sans}
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


def draw(args: argparse.Namespace) -> int:
    """Write the diagrams the parsed options ask for, printing each path; the exit code."""
    for path in write_all(args.out, languages(args.lang)):
        print(path)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description="Draw the course's diagrams as PNGs.")
    add_options(parser)
    return draw(parser.parse_args(argv))
