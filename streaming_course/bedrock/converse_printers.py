"""Print and time a boto3 ``converse_stream`` reply with the course's printers and `Timing`.

The printers of `streaming_course.printers` take `StreamEvent`s; `converse_events` (in
`adapter.py`) makes them from a Converse stream. So printing a Converse reply is the same
loop with the same printer objects:

    >>> started = time.perf_counter()
    >>> outcome = print_converse_text(runtime.converse_stream(**request), started=started)
    ... # doctest: +SKIP
    Tides come twice a day because…
    >>> measure_converse(runtime, **request).report()                  # doctest: +SKIP
"""

from __future__ import annotations

import time
from typing import Any

from ..events import StreamEvent, StreamOutcome
from ..printers.base import run_printer
from ..printers.event_log import FAILURE_COLOR, colored, short
from ..printers.text import TextPrinter
from ..timing import Timing
from .adapter import ConverseOutcome, converse_events

CONVERSE_COLORS = {
    "messageStart": "35",  # magenta: the message's frame
    "messageStop": "35",
    "metadata": "35",
    "contentBlockStart": "34",  # blue: a content block's frame
    "contentBlockStop": "34",
    "contentBlockDelta": "32",  # green: the content itself
}
"""ANSI colour of each Converse event, matching `print_events`' colours for the same roles."""


class ConverseEventPrinter:
    """Prints one line per Converse event: time, name, block index, payload."""

    def __init__(self, color: bool = True) -> None:
        self.color = color

    def on_event(self, event: StreamEvent) -> None:
        index = "" if event.index is None else str(event.index)
        (payload,) = event.raw.values()
        fields = {name: value for name, value in payload.items() if name != "contentBlockIndex"}
        shown = short(fields, 80) if fields else ""
        line = f"{event.at:8.3f}s  {event.type:<18} {index:>2}  {shown}"
        color = CONVERSE_COLORS.get(event.type, "33")
        print(colored(line.rstrip(), color, self.color), flush=True)

    def finish(self, outcome: StreamOutcome) -> None:
        if not outcome.complete:
            print(colored(outcome.description, FAILURE_COLOR, self.color), flush=True)


def print_converse_text(
    response: Any, *, end: str = "\n", started: float | None = None
) -> ConverseOutcome:
    """Print a Converse reply's text as it arrives, like `print_text`; return the outcome.

    If the stream breaks, what arrived stays on screen, followed by one line saying why.
    """
    return run_printer(TextPrinter(end), converse_events(response, started=started))


def print_converse_events(
    response: Any, *, color: bool = True, started: float | None = None
) -> ConverseOutcome:
    """Print one line per Converse event as it arrives, like `print_events`.

    As with `print_events`, pass `started`, a `time.perf_counter()` taken just before the
    request, so that the times count from the request (by default: from this call).

    >>> started = time.perf_counter()
    >>> response = runtime.converse_stream(**request)  # doctest: +SKIP
    >>> print_converse_events(response, color=False, started=started)  # doctest: +SKIP
       0.466s  messageStart           {'role': 'assistant'}
       0.518s  contentBlockDelta   0  {'delta': {'text': 'Tides'}}
    """
    return run_printer(ConverseEventPrinter(color), converse_events(response, started=started))


def measure_converse(client: Any, **request: Any) -> Timing:
    """Send `request` (the arguments of ``converse_stream``) and time the reply, like `measure`.

    >>> measure_converse(runtime, modelId=MODEL, messages=messages).report()  # doctest: +SKIP
    """
    started = time.perf_counter()
    model = request["modelId"]
    reader = converse_events(client.converse_stream(**request), started=started, model=model)
    for _ in reader:
        pass  # the reader notes each piece of text and when it came
    return Timing.of_outcome(reader.outcome, model=model)
