"""The `streaming-course` command: a thin layer over the package.

$ streaming-course doctor                       # versions, mode, key found?, fixtures
$ streaming-course replay capture.sse --show wire
$ streaming-course record --prompt "Write a haiku" --out recordings/haiku.sse
$ streaming-course fixtures build               # rewrite the shipped fixtures
$ streaming-course editions check --strict      # translated editions in sync?
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import anthropic
import httpx2

from .config import ConfigError, load_settings
from .notebooks import NotebookRunError
from .replay.fixture import Fixture, FixtureError, load_fixture
from .replay.library import FixtureLibrary
from .replay.recorder import Recorder, RecordingError
from .replay.sources import all_outdated_fixtures, build_all_fixtures
from .replay.tap import WireTap
from .replay.transport import ReplayTransport

SHOW_CHOICES = ("text", "events", "usage", "wire")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (errors are one line, no traceback)."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and isinstance(getattr(args, "names", None), list) and "-" not in extra[0][:1]:
        args.names += extra  # `notebooks run --edition ja 01-setup.ipynb`: names after options
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except (ConfigError, FixtureError, RecordingError, NotebookRunError) as error:
        print(f"streaming-course: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("streaming-course: interrupted.", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="streaming-course", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(metavar="COMMAND")

    doctor_cmd = commands.add_parser("doctor", help="check the set-up and say what is wrong")
    doctor_cmd.set_defaults(func=_doctor)

    replay = commands.add_parser("replay", help="replay an SSE file through the real SDK")
    replay.add_argument("file", type=Path, help="a fixture or a plain SSE capture (e.g. from curl)")
    replay.add_argument("--show", choices=SHOW_CHOICES, default="text")
    replay.add_argument("--speed", type=float, help="1 = recorded pace, 0 = instant")
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
    notebooks.add_argument("--speed", type=float, default=1.0, help="replay speed (1 = real)")
    notebooks.set_defaults(func=_notebooks)

    _add_optional_commands(commands)
    return parser


def _add_optional_commands(commands: argparse._SubParsersAction) -> None:
    """Commands that live in their own modules register themselves here."""
    from .chat.terminal import add_chat_command
    from .editions_cli import add_editions_commands

    add_chat_command(commands)
    add_editions_commands(commands)


def _doctor(args: argparse.Namespace) -> int:
    from . import doctor  # it asks boto3 about AWS: imported only when needed

    return doctor.run()


def _replay(args: argparse.Namespace) -> int:
    from . import printers

    settings = load_settings()
    fixture = load_fixture(args.file)
    request = {
        "model": settings.model,
        "max_tokens": 4096,
        "messages": [{"role": "user", "content": f"(replaying {args.file.name})"}],
        "stream": True,
    }
    fixture.request = request
    speed = settings.replay_speed if args.speed is None else args.speed
    transport = WireTap(ReplayTransport(FixtureLibrary([fixture]), speed=speed, strict=True))
    client = _client_for(transport)
    stream = client.messages.create(**request)
    show = {
        "text": partial(printers.print_text, end=""),  # exactly the text, nothing added
        "events": printers.print_events,
        "usage": printers.print_usage,
        "wire": printers.print_wire,
    }[args.show]
    outcome = show(stream)
    return 0 if outcome.complete else 1


def _client_for(transport: WireTap) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        api_key="replay", http_client=httpx2.Client(transport=transport), max_retries=0
    )


def _record(args: argparse.Namespace) -> int:
    settings = load_settings()
    if not settings.has_api_key:
        raise ConfigError("Recording talks to the live API: put ANTHROPIC_API_KEY in .env first.")
    recorder = Recorder()
    if args.prompt is not None:
        request = {
            "model": args.model or settings.model,
            "max_tokens": args.max_tokens,
            "messages": [{"role": "user", "content": args.prompt}],
        }
        if not args.no_stream:
            request["stream"] = True
        _write(recorder.record(request), args.out)
        return 0
    for path in args.fixtures:
        _write(recorder.record(load_fixture(path).request), args.out / path.name)
    return 0


def _write(fixture: Fixture, path: Path) -> None:
    fixture.save(path)
    print(
        f"recorded {path} ({fixture.status}, {len(fixture.events)} events, "
        f"{fixture.duration:.2f} s)"
    )


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
    from .notebooks import notebook_paths, run_notebook

    for path in notebook_paths(args.edition, args.names):
        print(f"running {args.edition}/{path.name} at replay speed {args.speed:g}", flush=True)
        run_notebook(path, speed=args.speed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
