"""Print the raw lines of a stream's HTTP body as they arrive, pings included.

The SDK hides some of what the API sends (it drops ``ping`` events); the wire tap under
every client from `make_client()` keeps it all, and this printer shows it:

    >>> print_wire(client.messages.create(**request, stream=True))  # doctest: +SKIP
       0.512s  event: message_start
       0.512s  data: {"type":"message_start","message":{...}}
       0.512s
       0.530s  event: ping
       ...

Each time is seconds since the request, measured where the bytes entered the client.
"""

from __future__ import annotations

from ..events import AnyAsyncStream, AnyStream, StreamEvent, StreamOutcome
from ..i18n import message
from ..replay.tap import WireLine, WireRecord, wire_of
from .base import arun_printer, print_ending, run_printer


class WirePrinter:
    """Prints each body line the moment the tap sees it (before the SDK has decoded it)."""

    def __init__(self, record: WireRecord | None) -> None:
        self.record = record
        if record is not None:
            for line in record.lines:  # what arrived before we started listening
                self.show(line)
            record.listeners.append(self.show)

    def show(self, line: WireLine) -> None:
        print(f"{line.at:8.3f}s  {line.text}" if line.text else f"{line.at:8.3f}s", flush=True)

    def on_event(self, event: StreamEvent) -> None:
        pass  # the lines are printed by `show` as they arrive, pings included

    def finish(self, outcome: StreamOutcome) -> None:
        if self.record is not None:
            self.record.listeners.remove(self.show)
        print_ending(outcome, at_line_start=True)


def print_wire(stream: AnyStream) -> StreamOutcome:
    """Print the raw SSE lines of `stream` as they arrive; return the outcome."""
    return run_printer(_printer_for(stream), stream)


async def aprint_wire(stream: AnyAsyncStream) -> StreamOutcome:
    """The async twin of `print_wire`."""
    return await arun_printer(_printer_for(stream), stream)


def _printer_for(stream: AnyStream | AnyAsyncStream) -> WirePrinter:
    """The printer for `stream`'s wire record; says so at once when its client has no tap."""
    record = wire_of(stream)
    if record is None:
        print(message("printers.no_tap"), flush=True)
    return WirePrinter(record)
