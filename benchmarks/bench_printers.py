"""How much does `print_text` cost on top of reading the same stream bare?

A replayed stream of 10,000 text deltas is served at speed 0 (no waiting) through the real
SDK. We time, best of several runs:

1. bare iteration: ``for event in client.messages.create(..., stream=True): pass``;
2. ``print_text`` on the same request, its output going to an in-memory sink.

and print the ratio (target: at most 1.15). Run it with ``python benchmarks/bench_printers.py``.
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for the `tests` helpers

from streaming_course.printers.base import run_printer
from streaming_course.printers.text import TextPrinter, print_text
from tests.streams import TEXT_REQUEST, client_for, text_fixture

DELTAS = 10_000
REPEATS = 15
TARGET = 1.15


def bare(client: Any) -> None:
    for _event in client.messages.create(**TEXT_REQUEST):
        pass


def printed(client: Any) -> None:
    with redirect_stdout(io.StringIO()):
        print_text(client.messages.create(**TEXT_REQUEST))


def hand_written(client: Any) -> None:
    """The loop a learner would write instead of `print_text`, for reference."""
    with redirect_stdout(io.StringIO()):
        for event in client.messages.create(**TEXT_REQUEST):
            if event.type == "content_block_delta" and event.delta.type == "text_delta":
                print(event.delta.text, end="", flush=True)


def helper_alone(client: Any) -> float:
    """Best time of the events layer and `print_text` on events the SDK already decoded."""
    decoded = list(client.messages.create(**TEXT_REQUEST))

    def run() -> None:
        with redirect_stdout(io.StringIO()):
            run_printer(TextPrinter(), iter(decoded))

    return best_times([run])[0]


def best_times(runs: list[Callable[[], None]]) -> list[float]:
    """The shortest of `REPEATS` timed runs of each, taken in turn so drifts hit all alike."""
    best = [float("inf")] * len(runs)
    for _ in range(REPEATS):
        for position, run in enumerate(runs):
            started = time.perf_counter()
            run()
            best[position] = min(best[position], time.perf_counter() - started)
    return best


def main() -> float:
    deltas = [f"word{i % 97} " if i % 13 else "line\n" for i in range(DELTAS)]
    client = client_for(text_fixture(deltas))
    bare(client)  # warm up: the SDK builds its event models on first use
    bare_time, printed_time, hand_time = best_times(
        [lambda: bare(client), lambda: printed(client), lambda: hand_written(client)]
    )
    # Last: the decoded events it keeps in memory would slow the garbage collector above.
    helper_time = helper_alone(client)
    ratio = printed_time / bare_time
    print(f"A stream of {DELTAS:,} text deltas, replay speed 0, best of {REPEATS} runs:")
    for label, seconds in [
        ("bare iteration", bare_time),
        ("print_text", printed_time),
        ("hand-written", hand_time),
        ("helper alone", helper_time),
    ]:
        print(f"  {label:<15} {seconds * 1000:8.1f} ms  {seconds / DELTAS * 1e6:6.1f} µs per delta")
    verdict = "within" if ratio <= TARGET else "OVER"
    print(f"  ratio           {ratio:8.3f}×   print_text / bare ({verdict} the {TARGET}× target)")
    print("  (hand-written: a plain `print` loop over the raw stream, for reference;")
    print("   helper alone: the events layer and print_text on already decoded events)")
    return ratio


if __name__ == "__main__":
    main()
