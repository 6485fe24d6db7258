"""`streaming-course notebooks run [NAME...] [--edition ja] [--speed S]`: `maintain.notebooks`."""

from __future__ import annotations

import argparse

from ..i18n import message
from .base import CommandLineError, speed


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``notebooks run`` to the command line."""
    parser = subparsers.add_parser("notebooks", help=message("commands.notebooks_help"))
    parser.add_argument("action", choices=("run",))
    parser.add_argument("names", nargs="*", help=message("commands.notebooks_names"))
    parser.add_argument("--edition", default="en")
    parser.add_argument(
        "--speed", type=speed, default=1.0, help=message("commands.notebooks_speed")
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run each notebook in a fresh kernel, saving its outputs."""
    from ..maintain.notebooks import NotebookRunError, notebook_paths, run_notebook

    try:
        for path in notebook_paths(args.edition, args.names):
            print(f"running {args.edition}/{path.name} at replay speed {args.speed:g}", flush=True)
            run_notebook(path, speed=args.speed)
    except NotebookRunError as error:
        raise CommandLineError(str(error)) from None
    return 0
