"""`streaming-course replay FILE [--show text|events|usage|wire] [--speed S]`.

Any SSE file (a course fixture, or a capture made with ``curl -N``) is served by the replay
to the real SDK, through the client `client.replay_client` makes, and printed by a printer.
"""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path

import anthropic

from ..client import replay_client
from ..config import load_settings
from ..events import StreamOutcome
from ..i18n import message
from ..replay.fixture import load_fixture
from ..replay.library import FixtureLibrary
from ..replay.transport import ReplayTransport
from .base import EXIT_INCOMPLETE, CommandLineError, print_error_line, speed

SHOW_CHOICES = ("text", "events", "usage", "wire")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``replay`` to the command line."""
    parser = subparsers.add_parser("replay", help=message("commands.replay_help"))
    parser.add_argument("file", type=Path, help=message("commands.replay_file"))
    parser.add_argument("--show", choices=SHOW_CHOICES, default="text")
    parser.add_argument("--speed", type=speed, help=message("commands.replay_speed"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Replay the file; 1 when the stream did not complete."""
    from .. import printers

    settings = load_settings()
    fixture = load_fixture(args.file)
    streamed = fixture.body_kind == "sse"
    if not streamed and fixture.status < 400 and args.show in ("events", "wire"):
        raise CommandLineError(message("cli.not_a_stream", file=args.file, show=args.show))
    request = {
        "model": settings.model,
        "max_tokens": 4096,
        "messages": [{"role": "user", "content": f"(replaying {args.file.name})"}],
        "stream": streamed,
    }
    fixture.request = request  # the one fixture answers the one request
    pace = settings.replay_speed if args.speed is None else args.speed
    transport = ReplayTransport(FixtureLibrary([fixture]), speed=pace, strict=True)
    reply = replay_client(transport, max_retries=0).messages.create(**request)
    show = {
        "text": partial(printers.print_text, end=""),  # exactly the text, nothing added
        "events": printers.print_events,
        "usage": printers.print_usage,
        "wire": printers.print_wire,
    }[args.show]
    if not streamed:  # a whole Message: its text, or its usage
        show = printers.print_usage if args.show == "usage" else _print_message_text
    outcome = show(reply)
    if fixture.ends_mid_event:
        print_error_line(message("cli.ends_mid_event", file=args.file))
    return 0 if outcome.complete else EXIT_INCOMPLETE


def _print_message_text(reply: anthropic.types.Message) -> StreamOutcome:
    outcome = StreamOutcome.of_message(reply)
    print(outcome.text, end="", flush=True)
    return outcome
