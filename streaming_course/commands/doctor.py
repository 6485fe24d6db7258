"""`streaming-course doctor`: check the set-up, say what is wrong (`streaming_course.doctor`)."""

from __future__ import annotations

import argparse

from ..i18n import message


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``doctor`` to the command line."""
    parser = subparsers.add_parser("doctor", help=message("commands.doctor_help"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the report; 1 when it found a problem."""
    from .. import doctor  # it asks boto3 about AWS: imported only when needed

    return doctor.run()
