"""The `streaming-course` command: a thin layer over the package.

$ streaming-course doctor                       # versions, mode, key found?, fixtures
$ streaming-course replay capture.sse --show wire
$ streaming-course record --prompt "Write a haiku" --out recordings/haiku.sse
$ streaming-course fixtures build               # rewrite the shipped fixtures
$ streaming-course editions check --strict      # translated editions in sync?

Every failure ends in one line on stderr (``streaming-course: …``), never a traceback, and
an exit code a script can test:

====  ==================================================================================
0     done (also when the output was closed early, as by ``| head``)
1     the stream did not complete (an error event, a cut or dropped body, an unreadable
      event), ``doctor`` found problems, ``fixtures check`` found stale files, or
      ``record`` could not record every exchange
2     bad input: a missing or unreadable file, a bad fixture, a bad option or setting
3     the API (or the replay) answered with an HTTP error, or could not be reached
130   interrupted (Ctrl-C)
====  ==================================================================================
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import NoReturn

import anthropic

from .client import replay_client
from .config import ConfigError, load_settings
from .events import StreamOutcome
from .i18n import message
from .maintain.notebooks import NotebookRunError
from .maintain.recorder import Recorder, RecordingError
from .maintain.sources import all_outdated_fixtures, build_all_fixtures
from .redact import redact
from .replay.fixture import FixtureError, load_fixture
from .replay.library import FixtureLibrary
from .replay.transport import ReplayTransport

SHOW_CHOICES = ("text", "events", "usage", "wire")
EXIT_INCOMPLETE, EXIT_BAD_INPUT, EXIT_API_ERROR, EXIT_INTERRUPTED = 1, 2, 3, 130
MIN_SPEED, MAX_SPEED = 0.01, 1000.0


class CommandLineError(Exception):
    """Bad input on the command line; the message says what to do."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors as one line (and the subcommand's --help named)."""

    def error(self, text: str) -> NoReturn:
        raise CommandLineError(message("cli.usage_error", error=text, command=self.prog))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (errors are one line, no traceback)."""
    try:
        return _run(argv)
    except BrokenPipeError:  # the reader went away (`| head -1`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        _fail(message("cli.interrupted"))
        return EXIT_INTERRUPTED


def _run(argv: Sequence[str] | None) -> int:
    parser = _parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra and isinstance(getattr(args, "names", None), list) and "-" not in extra[0][:1]:
            args.names += extra  # `notebooks run --edition ja 01-setup.ipynb`: names after options
        elif extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    except CommandLineError as error:
        return _fail(str(error), EXIT_BAD_INPUT)
    if not hasattr(args, "func"):
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return args.func(args)
    except (CommandLineError, ConfigError, FixtureError, RecordingError, NotebookRunError) as error:
        return _fail(str(error), EXIT_BAD_INPUT)
    except anthropic.APIStatusError as error:
        return _fail(_api_error_line(error), EXIT_API_ERROR)
    except anthropic.APIConnectionError as error:
        return _fail(message("cli.connection_error", error=type(error).__name__), EXIT_API_ERROR)


def _fail(text: str, code: int = EXIT_BAD_INPUT) -> int:
    """Say `text` in one line on stderr, and give the exit code."""
    sys.stdout.flush()
    print(f"streaming-course: {redact(text)}", file=sys.stderr)
    return code


def _api_error_line(error: anthropic.APIStatusError) -> str:
    """One line for an HTTP error answer: status, error type, the API's own message."""
    body = error.body if isinstance(error.body, dict) else {}
    details = body.get("error") if isinstance(body.get("error"), dict) else {}
    return message(
        "cli.api_error",
        status=error.status_code,
        type=details.get("type") or type(error).__name__,
        detail=(details.get("message") or "").splitlines()[0][:200] if details else "",
    )


def _speed(text: str) -> float:
    """A replay speed: 0 (no waiting) or between `MIN_SPEED` and `MAX_SPEED`."""
    try:
        speed = float(text)
    except ValueError:
        speed = -1.0
    if speed != 0 and not MIN_SPEED <= speed <= MAX_SPEED:
        raise argparse.ArgumentTypeError(
            message("cli.bad_speed", value=text, low=MIN_SPEED, high=MAX_SPEED)
        )
    return speed


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="streaming-course", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(metavar="COMMAND")

    doctor_cmd = commands.add_parser("doctor", help="check the set-up and say what is wrong")
    doctor_cmd.set_defaults(func=_doctor)

    replay = commands.add_parser("replay", help="replay an SSE file through the real SDK")
    replay.add_argument("file", type=Path, help="a fixture or a plain SSE capture (e.g. from curl)")
    replay.add_argument("--show", choices=SHOW_CHOICES, default="text")
    replay.add_argument("--speed", type=_speed, help="1 = recorded pace, 0 = instant")
    replay.set_defaults(func=_replay)

    record = commands.add_parser("record", help="record live exchanges as fixtures")
    source = record.add_mutually_exclusive_group(required=True)
    source.add_argument("--prompt", help="record the reply to this prompt")
    source.add_argument(
        "--from", dest="fixtures", type=Path, nargs="+", help="re-record these fixtures' requests"
    )
    record.add_argument("--model", help="model for --prompt (default: the course's)")
    record.add_argument("--max-tokens", type=int, default=1024)
    record.add_argument("--no-stream", action="store_true", help="record a non-streamed reply")
    record.add_argument(
        "--out", type=Path, required=True, help="the file (--prompt) or folder (--from) to write"
    )
    record.set_defaults(func=_record)

    fixtures = commands.add_parser("fixtures", help="the course's synthesized fixtures")
    fixtures.add_argument("action", choices=("build", "check"))
    fixtures.set_defaults(func=_fixtures)

    notebooks = commands.add_parser("notebooks", help="re-execute notebooks, saving outputs")
    notebooks.add_argument("action", choices=("run",))
    notebooks.add_argument("names", nargs="*", help="notebooks to run (default: all)")
    notebooks.add_argument("--edition", default="en")
    notebooks.add_argument("--speed", type=_speed, default=1.0, help="replay speed (1 = real)")
    notebooks.set_defaults(func=_notebooks)

    _add_optional_commands(commands)
    return parser


def _add_optional_commands(commands: argparse._SubParsersAction) -> None:
    """Commands that live in their own modules register themselves here."""
    from .chat.terminal import add_chat_command
    from .classroom.command import add_classroom_command
    from .maintain.editions_cli import add_editions_commands
    from .web.command import add_web_command

    add_chat_command(commands)
    add_classroom_command(commands)
    add_editions_commands(commands)
    add_web_command(commands)


def _doctor(args: argparse.Namespace) -> int:
    from . import doctor  # it asks boto3 about AWS: imported only when needed

    return doctor.run()


def _replay(args: argparse.Namespace) -> int:
    from . import printers

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
    fixture.request = request
    speed = settings.replay_speed if args.speed is None else args.speed
    replay = ReplayTransport(FixtureLibrary([fixture]), speed=speed, strict=True)
    reply = replay_client(replay, max_retries=0).messages.create(**request)
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
        _fail(message("cli.ends_mid_event", file=args.file))
    return 0 if outcome.complete else EXIT_INCOMPLETE


def _print_message_text(reply: anthropic.types.Message) -> StreamOutcome:
    outcome = StreamOutcome.of_message(reply)
    print(outcome.text, end="", flush=True)
    return outcome


def _record(args: argparse.Namespace) -> int:
    settings = load_settings()
    if not settings.has_api_key:
        raise ConfigError(message("cli.record_needs_key"))
    recorder = Recorder()
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
    for result in results:
        print(redact(result.line), file=sys.stdout if result.saved else sys.stderr, flush=True)
    return 0 if all(result.ok for result in results) else EXIT_INCOMPLETE


def _fixtures(args: argparse.Namespace) -> int:
    if args.action == "build":
        written = build_all_fixtures()
        print(f"wrote {len(written)} fixtures")
        return 0
    outdated = all_outdated_fixtures()
    for path in outdated:
        print(f"out of date: {path} (run `streaming-course fixtures build`)")
    return 1 if outdated else 0


def _notebooks(args: argparse.Namespace) -> int:
    from .maintain.notebooks import notebook_paths, run_notebook

    for path in notebook_paths(args.edition, args.names):
        print(f"running {args.edition}/{path.name} at replay speed {args.speed:g}", flush=True)
        run_notebook(path, speed=args.speed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
