"""What to draw: the editions and the output folder (no matplotlib here: `--help` stays quick)."""

from __future__ import annotations

import argparse
from pathlib import Path

LANGUAGES = ("en", "ja")
DEFAULT_OUT = Path(__file__).resolve().parents[3] / "images"  # the course folder's images/


def add_options(parser: argparse.ArgumentParser) -> None:
    """The options of `streaming-course diagrams` and of `scripts/draw_diagrams.py`."""
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


def languages(choice: str) -> tuple[str, ...]:
    """The editions `--lang` names.

    >>> languages("all"), languages("ja")
    (('en', 'ja'), ('ja',))
    """
    return LANGUAGES if choice == "all" else (choice,)
