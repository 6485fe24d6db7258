"""Chat with Claude in a terminal, each reply streamed as it arrives: `streaming-course chat`.

    $ streaming-course chat --system "Answer in two sentences."
    You> Which herbs grow well in shade?
    Claude: Mint and parsley both cope with a few hours of sun...

Ctrl-C during a reply stops it: what arrived stays on screen, marked, and the history stays
valid. A reply that breaks (an error, a dropped connection) leaves one line saying what
happened and what to do; when nothing arrives for a few seconds, a line says so.
Commands: ``/retry``, ``/clear``, ``/save FILE.md``, ``/quit`` (Ctrl-D also quits).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

import anthropic

from ..client import make_client
from ..config import load_settings
from ..conversation import Conversation, TextCallback, Turn
from ..i18n import message
from ..silence import SILENCE_AFTER, SilenceCallback, read_timeout, silence_notice

DEFAULT_MAX_TOKENS = 1024

LineReader = Callable[[str], str]
"""Shows a prompt and returns the line typed, like `input`; raises `EOFError` at the end."""


def run_terminal_chat(
    client: anthropic.Anthropic | None = None,
    model: str | None = None,
    system: str | None = None,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    *,
    keep_partial: bool = False,
    read_line: LineReader = input,
    silence_after: float = SILENCE_AFTER,
) -> Conversation:
    """Chat until /quit or Ctrl-D; returns the conversation.

    `client` defaults to `make_client()`, `model` to the course's model. `read_line` is
    `input` by default; `scripted` types lines for you (in a notebook, in tests). When
    nothing arrives for `silence_after` seconds, a line says so.

        >>> run_terminal_chat(read_line=scripted(["Hi!", "/quit"]))  # doctest: +SKIP
        Chatting with claude-haiku-5-5. ...
        You> Hi!
        Claude: Hello! What would you like to talk about?
    """
    settings = load_settings()
    conversation = Conversation(
        client or make_client(settings),
        model or settings.model,
        system=system,
        max_tokens=max_tokens,
        keep_partial=keep_partial,
        silence_after=silence_after,
    )
    print(message("chat.terminal_intro", model=conversation.model))
    prompt = f"{message('chat.you')}> "
    while True:
        try:
            line = read_line(prompt).strip()
        except (EOFError, KeyboardInterrupt):  # Ctrl-D, or Ctrl-C at the prompt
            print()
            return conversation
        if not line:
            continue
        if not line.startswith("/"):
            _show_reply(conversation, partial(conversation.stream_reply, line))
        elif not _run_command(conversation, line):
            return conversation


def scripted(lines: Iterable[str]) -> LineReader:
    """A `read_line` that types `lines` one after the other, then ends like Ctrl-D.

    >>> read_line = scripted(["Hi!"])
    >>> read_line("You> ")
    You> Hi!
    'Hi!'
    """
    remaining = iter(lines)

    def read_line(prompt: str) -> str:
        line = next(remaining, None)
        if line is None:
            raise EOFError
        print(f"{prompt}{line}")
        return line

    return read_line


def add_chat_command(subparsers: argparse._SubParsersAction) -> None:
    """Add ``streaming-course chat [--model M] [--system S]`` to the command line."""
    chat = subparsers.add_parser(
        "chat",
        help=message("chat.cli_help"),
        description=message("chat.cli_help"),
        epilog=message("chat.cli_epilog"),
    )
    chat.add_argument("--model", help=message("chat.cli_model"))
    chat.add_argument("--system", help=message("chat.cli_system"))
    chat.add_argument(
        "--max-tokens",
        type=int,
        default=DEFAULT_MAX_TOKENS,
        help=message("chat.cli_max_tokens", default=DEFAULT_MAX_TOKENS),
    )
    chat.add_argument("--keep-partial", action="store_true", help=message("chat.cli_keep_partial"))
    chat.set_defaults(func=_chat_command)


def _chat_command(args: argparse.Namespace) -> int:
    run_terminal_chat(
        model=args.model,
        system=args.system,
        max_tokens=args.max_tokens,
        keep_partial=args.keep_partial,
    )
    return 0


def _run_command(conversation: Conversation, line: str) -> bool:
    """Carry out a /command; False means quit."""
    command, _, argument = line.partition(" ")
    if command == "/quit":
        return False
    if command == "/retry" and conversation.turns:
        _show_reply(conversation, conversation.retry)
    elif command == "/retry":
        print(message("chat.nothing_to_retry"))
    elif command == "/clear":
        conversation.clear()
        print(message("chat.cleared"))
    elif command == "/save" and argument.strip():
        path = Path(argument.strip()).expanduser()
        path.write_text(conversation.to_markdown(), encoding="utf-8")
        print(message("chat.saved", path=path))
    elif command == "/save":
        print(message("chat.save_usage"))
    else:
        print(message("chat.unknown_command", command=command))
    return True


def _show_reply(
    conversation: Conversation, ask: Callable[[TextCallback, SilenceCallback], Turn]
) -> None:
    """Stream one reply; Ctrl-C stops it, and what arrived stays, marked."""
    print(f"{message('chat.assistant')}: ", end="", flush=True)
    timeout = read_timeout(conversation.client)

    def say_silence(seconds: float) -> None:  # called from the silence watch's thread
        print(f"\n{silence_notice(seconds, timeout, 'terminal')}", flush=True)

    try:
        turn = ask(_print_piece, say_silence)
    except KeyboardInterrupt:
        turn = conversation.turns[-1]  # the conversation recorded the stopped turn
    print()
    problem = turn.problem()
    if problem and turn.retry_may_help:
        problem = message("chat.sentences", first=problem, second=message("faults.retry_terminal"))
    for line in (problem, turn.figures()):
        if line:
            print(line)
    print()


def _print_piece(text: str) -> None:
    print(text, end="", flush=True)
