"""The `streaming-course` command: a thin layer over the package.

$ streaming-course doctor                       # versions, mode, key found?, fixtures
$ streaming-course replay capture.sse --show wire
$ streaming-course record --prompt "Write a haiku" --out recordings/haiku.sse
$ streaming-course fixtures build               # rewrite the shipped fixtures
$ streaming-course editions check --strict      # translated editions in sync?
$ streaming-course diagrams                     # redraw the diagrams in images/

Each command is a module with a ``register(subparsers)`` function (`COMMANDS` lists them;
`streaming_course.commands` says how one is written). Every failure ends in one line on
stderr (``streaming-course: …``), never a traceback, and an exit code a script can test:

====  ==================================================================================
0     done (also when the output was closed early, as by ``| head``)
1     the stream did not complete (an error event, a cut or dropped body, an unreadable
      event), ``doctor`` or ``editions check`` found problems, ``fixtures check`` found
      stale files, or ``record`` could not record every exchange
2     bad input: a missing or unreadable file, a bad fixture, a bad option or setting
3     the API (or the replay) answered with an HTTP error, or could not be reached
130   interrupted (Ctrl-C)
====  ==================================================================================
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import anthropic

from .classroom import command as classroom
from .commands import chat, diagrams, doctor, fixtures, notebooks, record, replay
from .commands.base import (
    EXIT_API_ERROR,
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    CommandLineError,
    Parser,
    print_error_line,
)
from .config import ConfigError
from .i18n import message
from .maintain import editions_cli as editions
from .replay.fixture import FixtureError
from .web import command as web

COMMANDS = (doctor, replay, record, fixtures, notebooks, diagrams, chat, classroom, editions, web)
BAD_INPUT = (CommandLineError, ConfigError, FixtureError)  # exit code 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (errors are one line, no traceback)."""
    try:
        return _run(argv)
    except BrokenPipeError:  # the reader went away (`| head -1`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print_error_line(message("cli.interrupted"))
        return EXIT_INTERRUPTED


def parser() -> Parser:
    """The main parser, every command registered on it."""
    main_parser = Parser(prog="streaming-course", description=__doc__.splitlines()[0])
    subparsers = main_parser.add_subparsers(metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return main_parser


def _run(argv: Sequence[str] | None) -> int:
    main_parser = parser()
    try:
        args = main_parser.parse_args(argv)
        if not hasattr(args, "func"):
            main_parser.print_help()
            return EXIT_BAD_INPUT
        return args.func(args)
    except BAD_INPUT as error:
        return _fail(str(error), EXIT_BAD_INPUT)
    except anthropic.APIStatusError as error:
        return _fail(_api_error_line(error), EXIT_API_ERROR)
    except anthropic.APIConnectionError as error:
        return _fail(message("cli.connection_error", error=type(error).__name__), EXIT_API_ERROR)


def _fail(text: str, code: int) -> int:
    """Say `text` in one line on stderr, and give the exit code."""
    print_error_line(text)
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


if __name__ == "__main__":
    sys.exit(main())
