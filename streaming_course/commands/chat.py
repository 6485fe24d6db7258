"""`streaming-course chat`: the terminal chat; its options live beside it, in `chat.terminal`."""

from __future__ import annotations

import argparse

from ..chat.terminal import add_chat_command


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``chat [--model M] [--system S] [--max-tokens N] [--keep-partial]``."""
    add_chat_command(subparsers)
