"""Chat with Claude, replies streamed: a panel for notebooks, a loop for the terminal.

    >>> from streaming_course.chat import ChatPanel
    >>> ChatPanel()            # doctest: +SKIP

    $ streaming-course chat --system "Answer in two sentences."

Both front ends share one conversation logic: `streaming_course.conversation`.
"""

from .panel import ChatPanel
from .terminal import run_terminal_chat

__all__ = ["ChatPanel", "run_terminal_chat"]
