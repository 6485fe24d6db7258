"""Print what a reply used: tokens in and out, cache, stop reason, and a cost estimate.

    >>> print_usage(client.messages.create(**request, stream=True))  # doctest: +SKIP
    Input tokens: 12 (from message_start)
    Output tokens: 257 (from the last message_delta: a running total)
    Cache: 0 tokens written, 0 read
    Stop reason: end_turn
    Estimated cost: $0.001297 (example prices for claude-haiku: ...)

It works on a stream (read to its end, without printing the text) and on a finished
`Message` from a non-streamed call.
"""

from __future__ import annotations

from anthropic.types import Message, Usage

from ..events import AnyAsyncStream, AnyStream, StreamEvent, StreamOutcome
from ..i18n import message
from .base import arun_printer, print_ending, run_printer

Prices = dict[str, tuple[float, float]]
"""Model-name prefix → (input $, output $) per million tokens."""

PRICES: Prices = {
    # Illustrative example figures, not a price list: check the current prices before
    # relying on an estimate, and edit or add entries freely (the longest prefix wins).
    "claude-haiku": (1.00, 5.00),
    "claude-sonnet": (3.00, 15.00),
    "claude-opus": (5.00, 25.00),
}
"""The prices `print_usage` uses unless given others: illustrative examples only."""


def price_for(model: str, prices: Prices) -> tuple[str, tuple[float, float]] | None:
    """The longest prefix of `model` in `prices`, with its prices; None if none matches.

    >>> price_for("claude-haiku-5-5", {"claude-haiku": (1.0, 5.0), "claude": (9.0, 9.0)})
    ('claude-haiku', (1.0, 5.0))
    """
    matches = [prefix for prefix in prices if model.startswith(prefix)]
    if not matches:
        return None
    prefix = max(matches, key=len)
    return prefix, prices[prefix]


def usage_lines(outcome: StreamOutcome, prices: Prices) -> list[str]:
    """The lines `print_usage` prints for `outcome`."""
    usage = outcome.usage
    if usage is None:
        return [message("printers.usage_none")]
    lines = [_input_line(usage, outcome.usage_at_start), _output_line(usage, outcome)]
    written, read = usage.cache_creation_input_tokens, usage.cache_read_input_tokens
    if written is not None or read is not None:
        lines.append(message("printers.usage_cache", written=written or 0, read=read or 0))
    tools = usage.server_tool_use
    if tools is not None:
        searches, fetches = tools.web_search_requests, tools.web_fetch_requests
        lines.append(message("printers.usage_server_tools", searches=searches, fetches=fetches))
    lines.append(message("printers.usage_stop", reason=outcome.stop_reason or "—"))
    assert outcome.message is not None
    model = outcome.message.model
    price = price_for(model, prices)
    if price is None:
        lines.append(message("printers.usage_no_price", model=model))
    else:
        prefix, (per_input, per_output) = price
        cost = (usage.input_tokens * per_input + usage.output_tokens * per_output) / 1e6
        lines.append(
            message(
                "printers.usage_cost", cost=cost, prefix=prefix, input=per_input, output=per_output
            )
        )
    return lines


def _input_line(usage: Usage, at_start: Usage | None) -> str:
    """Input tokens, and where the figure came from (a stream may update it at the end)."""
    if at_start is None:  # a whole Message: no stream events to name
        return message("printers.usage_input_plain", count=usage.input_tokens)
    if usage.input_tokens != at_start.input_tokens:
        return message(
            "printers.usage_input_updated", count=usage.input_tokens, start=at_start.input_tokens
        )
    return message("printers.usage_input", count=usage.input_tokens)


def _output_line(usage: Usage, outcome: StreamOutcome) -> str:
    if outcome.usage_at_start is None:
        return message("printers.usage_output_plain", count=usage.output_tokens)
    return message("printers.usage_output", count=usage.output_tokens)


class UsagePrinter:
    """Reads the stream quietly, then prints its usage."""

    def __init__(self, prices: Prices | None = None) -> None:
        self.prices = PRICES if prices is None else prices

    def on_event(self, event: StreamEvent) -> None:
        pass

    def finish(self, outcome: StreamOutcome) -> None:
        print("\n".join(usage_lines(outcome, self.prices)), flush=True)
        print_ending(outcome, at_line_start=True)


def print_usage(
    stream_or_message: AnyStream | Message, prices: Prices | None = None
) -> StreamOutcome:
    """Print the token usage of a stream or a finished `Message`; return the outcome.

    Input tokens come from ``message_start``, unless the final ``message_delta`` resends
    them (server tools and compaction do): the later figure wins, and the line says so.
    Output tokens come from the last ``message_delta``: its ``usage.output_tokens`` is the
    running total so far, not the tokens since the previous delta, so adding the values up
    would count tokens twice.
    Cache tokens are shown but not priced (they have their own prices).
    `prices` defaults to `PRICES`.

    >>> print_usage(client.messages.create(**request))  # doctest: +SKIP
    Input tokens: 12 (from message_start)
    ...
    """
    printer = UsagePrinter(prices)
    if isinstance(stream_or_message, Message):
        outcome = StreamOutcome.of_message(stream_or_message)
        printer.finish(outcome)
        return outcome
    return run_printer(printer, stream_or_message)


async def aprint_usage(
    stream_or_message: AnyAsyncStream | Message,
    prices: Prices | None = None,
) -> StreamOutcome:
    """The async twin of `print_usage`."""
    if isinstance(stream_or_message, Message):
        return print_usage(stream_or_message, prices)
    return await arun_printer(UsagePrinter(prices), stream_or_message)
