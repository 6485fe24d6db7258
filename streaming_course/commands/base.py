"""What every command shares: the parser, the bad-input error, the exit codes, `--speed`.

>>> try:
...     Parser(prog="streaming-course").parse_args(["--colour"])
... except CommandLineError as error:
...     print(error)
unrecognized arguments: --colour (see `streaming-course --help`)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from ..i18n import message
from ..redact import redact

EXIT_OK, EXIT_INCOMPLETE, EXIT_BAD_INPUT, EXIT_API_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
MIN_SPEED, MAX_SPEED = 0.01, 1000.0

Run = Callable[[argparse.Namespace], int]  # a command's `func`: parsed arguments -> exit code


class CommandLineError(Exception):
    """Bad input on the command line; the message says what to do (exit code 2)."""


class Parser(argparse.ArgumentParser):
    """argparse with its errors as one line, naming the (sub)command's ``--help``.

    A command's options may come before or after its positional arguments, as in
    ``notebooks run --edition ja 01-setup.ipynb`` (argparse's own intermixed parsing, used
    for every command that has no verbs of its own).
    """

    _intermixing = False

    def error(self, text: str) -> NoReturn:
        raise CommandLineError(message("cli.usage_error", error=text, command=self.prog))

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        has_verbs = any(isinstance(a, argparse._SubParsersAction) for a in self._actions)
        if has_verbs or self._intermixing:
            return super().parse_known_args(args, namespace)
        self._intermixing = True  # parse_known_intermixed_args calls this method again
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixing = False


def print_error_line(text: str) -> None:
    """Say `text` on one line on stderr, after what was printed so far (keys redacted)."""
    sys.stdout.flush()
    print(f"streaming-course: {redact(text)}", file=sys.stderr)


def speed(text: str) -> float:
    """A replay speed: 0 (no waiting) or between `MIN_SPEED` and `MAX_SPEED`.

    >>> speed("0"), speed("2.5")
    (0.0, 2.5)
    """
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value != 0 and not MIN_SPEED <= value <= MAX_SPEED:
        raise argparse.ArgumentTypeError(
            message("cli.bad_speed", value=text, low=MIN_SPEED, high=MAX_SPEED)
        )
    return value
