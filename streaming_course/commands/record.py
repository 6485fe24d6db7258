"""`streaming-course record`: record live exchanges as fixtures (see `maintain.recorder`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import ConfigError, load_settings
from ..i18n import message
from ..redact import redact
from .base import EXIT_INCOMPLETE, CommandLineError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``record --prompt TEXT | --from FIXTURE... --out PATH`` to the command line."""
    parser = subparsers.add_parser("record", help=message("commands.record_help"))
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--prompt", help=message("commands.record_prompt"))
    source.add_argument(
        "--from", dest="fixtures", type=Path, nargs="+", help=message("commands.record_from")
    )
    parser.add_argument("--model", help=message("commands.record_model"))
    parser.add_argument("--max-tokens", type=int, default=1024)
    parser.add_argument(
        "--no-stream", action="store_true", help=message("commands.record_no_stream")
    )
    parser.add_argument("--out", type=Path, required=True, help=message("commands.record_out"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Record, one line per exchange; 1 when an exchange could not be recorded."""
    from ..maintain.recorder import Recorder, RecordingError

    settings = load_settings()
    if not settings.has_api_key:
        raise ConfigError(message("cli.record_needs_key"))
    recorder = Recorder()
    try:
        if args.prompt is not None:
            request = {
                "model": args.model or settings.model,
                "max_tokens": args.max_tokens,
                "messages": [{"role": "user", "content": args.prompt}],
            }
            if not args.no_stream:
                request["stream"] = True
            results = [recorder.record_to(request, args.out)]
        else:  # each file in turn: one failure does not stop the others
            results = recorder.record_many(args.fixtures, args.out)
    except RecordingError as error:
        raise CommandLineError(str(error)) from None
    for result in results:
        print(redact(result.line), file=sys.stdout if result.saved else sys.stderr, flush=True)
    return 0 if all(result.ok for result in results) else EXIT_INCOMPLETE
