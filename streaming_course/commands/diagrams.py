"""`streaming-course diagrams [--lang en|ja|all] [--out DIR]`: redraw the PNGs in images/."""

from __future__ import annotations

import argparse

from ..i18n import message
from ..maintain.diagrams.options import add_options


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``diagrams`` to the command line (matplotlib is imported only when it runs)."""
    parser = subparsers.add_parser("diagrams", help=message("commands.diagrams_help"))
    add_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Draw them, printing each file written."""
    from ..maintain.diagrams.render import draw

    return draw(args)
