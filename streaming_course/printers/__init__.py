"""Show a stream while it arrives. Each printer returns a `StreamOutcome`, with the reply's
`.text`, its `.message` (final, or partial), `.complete` and `.ending`.

=================  ===============================================================
`print_text`       the text, delta by delta, exactly as sent
`print_lines`      the text, whole lines at a time
`print_markdown`   the text rendered as Markdown, live (in a notebook)
`print_events`     one colour-coded line per event: time, type, block, delta
`print_wire`       the raw lines of the HTTP body, pings included
`print_usage`      tokens in and out, stop reason, an example cost
=================  ===============================================================

Each has an async twin for `AsyncAnthropic` streams: ``await aprint_text(stream)``.

    >>> from streaming_course.printers import print_text
    >>> result = print_text(client.messages.create(**request, stream=True))  # doctest: +SKIP
"""

from .event_log import aprint_events, print_events
from .markdown import aprint_markdown, print_markdown
from .text import aprint_lines, aprint_text, print_lines, print_text
from .usage import PRICES, aprint_usage, print_usage
from .wire import aprint_wire, print_wire

__all__ = [
    "PRICES",
    "aprint_events",
    "aprint_lines",
    "aprint_markdown",
    "aprint_text",
    "aprint_usage",
    "aprint_wire",
    "print_events",
    "print_lines",
    "print_markdown",
    "print_text",
    "print_usage",
    "print_wire",
]
