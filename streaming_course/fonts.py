"""The fonts of the course, in one place: what its figures draw with, what the browser needs.

Figures (the timing plots and the diagrams in ``images/``) bring their own fonts, so they look
the same on every machine: matplotlib's DejaVu for Latin text and symbols, and IPAexGothic,
which the `matplotlib-fontja` package ships, for Japanese, glyph by glyph.

    >>> figure_fonts("ja")
    ['IPAexGothic', 'DejaVu Sans']
    >>> code_fonts("ja")
    ['DejaVu Sans Mono', 'IPAexGothic']

The notebooks' Markdown and the chat panel are shown by the browser, with the machine's own
fonts: `installed_japanese_fonts` asks fontconfig which of them can show Japanese (the
doctor reports it).
"""

from __future__ import annotations

import shutil
import subprocess

LATIN = "DejaVu Sans"  # matplotlib's own font
LATIN_MONO = "DejaVu Sans Mono"
JAPANESE = "IPAexGothic"  # shipped by matplotlib-fontja
PLOT_FONTS = [LATIN, JAPANESE]  # the timing plots: Latin first, Japanese where it lacks a glyph
CODE_FONTS = [LATIN_MONO]  # event names and JSON, English in every edition


def figure_fonts(language: str) -> list[str]:
    """The fonts of a diagram's words: Japanese text in IPAexGothic, symbols (✓ ✗) in DejaVu."""
    return [LATIN] if language == "en" else [JAPANESE, LATIN]


def code_fonts(language: str) -> list[str]:
    """The fonts of a diagram's monospaced text, which may hold a Japanese example."""
    return [LATIN_MONO] if language == "en" else [LATIN_MONO, JAPANESE]


def register_japanese_font() -> None:
    """Make IPAexGothic known to matplotlib (importing `matplotlib_fontja` registers it).

    It also sets matplotlib's default family; whoever draws names the families it wants.
    """
    import matplotlib_fontja  # noqa: F401


def installed_japanese_fonts() -> list[str] | None:
    """Font families fontconfig has for Japanese (`fc-list :lang=ja`); None without fc-list."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        listed = subprocess.run(
            [fc_list, ":lang=ja", "family"], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return sorted(
        {line.split(",")[0].strip() for line in listed.stdout.splitlines() if line.strip()}
    )
