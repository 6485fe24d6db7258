"""The command line's one pattern: every command registers itself, every error is one line."""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

import pytest

from streaming_course.cli import COMMANDS, main, parser
from streaming_course.commands.base import EXIT_BAD_INPUT


def leaf_parsers(command: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parsers that run something: a command without verbs, or each verb of one."""
    verbs = [a for a in command._actions if isinstance(a, argparse._SubParsersAction)]
    if not verbs:
        return [command]
    return [leaf for verb in verbs for sub in verb.choices.values() for leaf in leaf_parsers(sub)]


def test_every_command_module_registers_commands_that_run_something():
    assert all(callable(getattr(module, "register", None)) for module in COMMANDS)
    (commands,) = [a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert len(commands.choices) == len(COMMANDS)
    for command in commands.choices.values():
        for leaf in leaf_parsers(command):
            assert callable(leaf.get_default("func")), f"{leaf.prog} runs nothing"


def test_options_may_come_before_or_after_the_names():
    args = parser().parse_args(
        ["notebooks", "run", "01-setup.ipynb", "--edition", "ja", "02-raw-events", "--speed", "0"]
    )
    assert (args.names, args.edition, args.speed) == (["01-setup.ipynb", "02-raw-events"], "ja", 0)


@pytest.fixture
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with no course, no .env and no key around it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("STREAMING_COURSE_LANG", "en")
    return tmp_path


def bad_inputs(folder: Path, taken_port: int) -> dict[str, list[str]]:
    tokens = folder / "tokens.txt"
    tokens.write_text("kept\n")
    return {
        "no such file": ["replay", str(folder / "missing.sse")],
        "a bad option": ["fixtures", "rebuild"],
        "no such edition": ["notebooks", "run", "--edition", "xx"],
        "no notebooks folder": ["editions", "check", "--root", str(folder)],
        "no key to record with": ["record", "--prompt", "hi", "--out", str(folder / "r.sse")],
        "a tokens file already there": [
            "classroom",
            "tokens",
            "2",
            "--out",
            str(folder / "tokens.txt"),
        ],
        "a port in use": ["web", "--port", str(taken_port)],
    }


def test_every_command_says_bad_input_in_one_line_with_exit_code_2(nowhere: Path, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        for case, argv in bad_inputs(nowhere, taken.getsockname()[1]).items():
            assert main(argv) == EXIT_BAD_INPUT, case
            out, err = capsys.readouterr()
            assert "Traceback" not in out + err, case
            (line,) = err.splitlines()
            assert line.startswith("streaming-course: ") and len(line) > 30, (case, line)
