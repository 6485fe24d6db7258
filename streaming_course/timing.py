"""Measure how long a reply takes, streamed or not: time to first text, total, tokens/s.

    >>> request = {"model": "claude-haiku-5-5", "max_tokens": 500,
    ...            "messages": [{"role": "user", "content": "Tell me a story"}]}
    >>> timing = measure(client, stream=True, **request)  # doctest: +SKIP
    >>> timing.report()                                   # doctest: +SKIP
    claude-haiku-5-5            streamed
    time to first text           0.523 s
    ...
    >>> compare(client, **request).report()               # doctest: +SKIP

Every time is `time.perf_counter()` seconds from just before the request was sent. The
figures are those the stream reader recorded (see `StreamOutcome`): `Timing` only lays them out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .events import StreamOutcome, aread_events, read_events
from .i18n import display_width, pad
from .i18n import message as localized


@dataclass
class Timing:
    """When the parts of one reply arrived, in seconds from the request.

    `ttft` is the time to the first text; `total` the time until the reply was complete
    (for a non-streamed request both are the whole wait). `tokens_per_second` is
    `output_tokens` / `total`. `delta_times` and `delta_chars` give each piece of text's
    arrival and length (a non-streamed reply is one piece, at `total`).

    >>> Timing(0.5, 2.0, 100, 50.0, [0.5, 2.0], [3, 4], streamed=True, model="m").ttft
    0.5
    """

    ttft: float
    total: float
    output_tokens: int
    tokens_per_second: float
    delta_times: list[float] = field(repr=False)
    delta_chars: list[int] = field(repr=False)
    streamed: bool
    model: str
    complete: bool = True  # False when the stream broke off (an error event, a drop...)

    @classmethod
    def of_outcome(cls, outcome: StreamOutcome, *, model: str, streamed: bool = True) -> Timing:
        """The timing the reader recorded in `outcome` (`model`: if the message names none).

        >>> from streaming_course.events import Piece
        >>> outcome = StreamOutcome("complete", None, "Hi!", None, pieces=(Piece(0.5, "Hi!"),),
        ...                         elapsed=2.0)
        >>> Timing.of_outcome(outcome, model="m").ttft
        0.5
        """
        total = outcome.elapsed or 0.0
        first = outcome.first_text_at
        return cls(
            ttft=first if first is not None else total,
            total=total,
            output_tokens=outcome.usage.output_tokens if outcome.usage is not None else 0,
            tokens_per_second=outcome.tokens_per_second,
            delta_times=[piece.at for piece in outcome.pieces],
            delta_chars=[len(piece.text) for piece in outcome.pieces],
            streamed=streamed,
            model=outcome.message.model if outcome.message is not None else model,
            complete=outcome.complete,
        )

    def __str__(self) -> str:
        return _table([self])

    def report(self) -> None:
        """Print the timing as a small table."""
        print(self)


@dataclass
class Comparison:
    """The same request timed non-streamed, then streamed.

    >>> compare(client, **request).streamed.ttft  # doctest: +SKIP
    0.52
    """

    non_streamed: Timing
    streamed: Timing

    def __str__(self) -> str:
        return _table([self.non_streamed, self.streamed])

    def report(self) -> None:
        """Print both timings side by side."""
        print(self)


def measure(client: Any, *, stream: bool, **request: Any) -> Timing:
    """Send `request` (the arguments of `client.messages.create`) and time the reply."""
    started = time.perf_counter()
    if not stream:
        reply = client.messages.create(**request)
        outcome = StreamOutcome.of_message(reply, elapsed=time.perf_counter() - started)
        return Timing.of_outcome(outcome, model=request["model"], streamed=False)
    reader = read_events(client.messages.create(**request, stream=True), started=started)
    for _ in reader:
        pass  # the reader notes each piece of text and when it came
    return Timing.of_outcome(reader.outcome, model=request["model"])


async def ameasure(client: Any, *, stream: bool, **request: Any) -> Timing:
    """The async twin of `measure`, for an `AsyncAnthropic` client."""
    started = time.perf_counter()
    if not stream:
        reply = await client.messages.create(**request)
        outcome = StreamOutcome.of_message(reply, elapsed=time.perf_counter() - started)
        return Timing.of_outcome(outcome, model=request["model"], streamed=False)
    reply_stream = await client.messages.create(**request, stream=True)
    reader = aread_events(reply_stream, started=started)
    async for _ in reader:
        pass  # the reader notes each piece of text and when it came
    return Timing.of_outcome(reader.outcome, model=request["model"])


def compare(client: Any, **request: Any) -> Comparison:
    """Time `request` non-streamed, then streamed."""
    non_streamed = measure(client, stream=False, **request)
    return Comparison(non_streamed, measure(client, stream=True, **request))


async def acompare(client: Any, **request: Any) -> Comparison:
    """The async twin of `compare`."""
    non_streamed = await ameasure(client, stream=False, **request)
    return Comparison(non_streamed, await ameasure(client, stream=True, **request))


VALUE_WIDTH = 14


def _table(timings: list[Timing]) -> str:
    """Timings side by side, one column each, labelled in the learner's language."""
    header = [timings[0].model] + [
        localized("timing.streamed" if t.streamed else "timing.not_streamed") for t in timings
    ]
    rows = [
        header,
        [localized("timing.ttft")] + [f"{t.ttft:.3f} s" for t in timings],
        [localized("timing.total")] + [f"{t.total:.3f} s" for t in timings],
        [localized("timing.output_tokens")] + [str(t.output_tokens) for t in timings],
        [localized("timing.tokens_per_second")]
        + [f"{t.tokens_per_second:.1f} tok/s" for t in timings],
        [localized("timing.pieces")] + [str(len(t.delta_times)) for t in timings],
    ]
    # Value columns have a fixed width, so the layout does not depend on measured values.
    widths = [max(display_width(row[0]) for row in rows) + 3]
    widths += [max(display_width(title), VALUE_WIDTH) + 3 for title in header[1:]]
    lines = [_table_line(row, widths) for row in rows]
    if not all(t.complete for t in timings):
        lines.append(localized("timing.incomplete"))
    return "\n".join(lines)


def _table_line(row: list[str], widths: list[int]) -> str:
    """The label left-aligned, then each value right-aligned in its column."""
    label, *values = row
    cells = [pad(value, width, right=True) for value, width in zip(values, widths[1:], strict=True)]
    return pad(label, widths[0]) + "".join(cells)
