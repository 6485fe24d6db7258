"""`streaming-course fixtures build|check`: the synthesized fixtures (`maintain.sources`)."""

from __future__ import annotations

import argparse

from ..i18n import message


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``fixtures build|check`` to the command line."""
    parser = subparsers.add_parser("fixtures", help=message("commands.fixtures_help"))
    parser.add_argument("action", choices=("build", "check"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Rewrite the fixtures, or list the stale ones (1 when there are any)."""
    from ..maintain.sources import all_outdated_fixtures, build_all_fixtures

    if args.action == "build":
        written = build_all_fixtures()
        print(f"wrote {len(written)} fixtures")
        return 0
    outdated = all_outdated_fixtures()
    for path in outdated:
        print(f"out of date: {path} (run `streaming-course fixtures build`)")
    return 1 if outdated else 0
