"""Show a reply as Markdown while it streams, through `streaming_course.markdown_live`.

    >>> print_markdown(client.messages.create(**request, stream=True))  # doctest: +SKIP

In a notebook the Markdown renders live (at most `max_rate` refreshes a second); elsewhere
the text is printed as it comes.
"""

from __future__ import annotations

from ..events import AnyAsyncStream, AnyStream, StreamEvent, StreamOutcome
from .base import arun_printer, print_ending, run_printer


class MarkdownPrinter:
    """Feeds each text delta to a `LiveMarkdown` display."""

    def __init__(self, max_rate: float = 20.0) -> None:
        from ..markdown_live import LiveMarkdown  # imported on use: it loads a Markdown parser

        self.live = LiveMarkdown(max_rate=max_rate)

    def on_event(self, event: StreamEvent) -> None:
        if event.text:
            self.live.feed(event.text)

    def finish(self, outcome: StreamOutcome) -> None:
        self.live.close()  # shows the exact final rendering and ends the line
        print_ending(outcome, at_line_start=True)


def print_markdown(
    stream: AnyStream, *, max_rate: float = 20.0, started: float | None = None
) -> StreamOutcome:
    """Render the text of `stream` as Markdown while it arrives; return the outcome."""
    return run_printer(MarkdownPrinter(max_rate), stream, started=started)


async def aprint_markdown(
    stream: AnyAsyncStream, *, max_rate: float = 20.0, started: float | None = None
) -> StreamOutcome:
    """The async twin of `print_markdown`."""
    return await arun_printer(MarkdownPrinter(max_rate), stream, started=started)
