"""How many bytes reach the browser when a ~1,000-token Markdown reply streams into a notebook.

Three ways to show the reply live, each fed the same deltas (1 to 8 tokens each) at a
realistic pace (about 7 ms a token) on a simulated clock:

- naive: re-render the whole text on every delta;
- naive at 20 Hz: the same, but at most 20 renders a second;
- LiveMarkdown: finished blocks sent once, only the open tail re-rendered, at most 20 Hz.

Run it with ``python benchmarks/bench_markdown.py``.
"""

from __future__ import annotations

import itertools
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

from streaming_course.markdown_live import LiveMarkdown, RecordingPublisher

SECONDS_PER_TOKEN = 0.007
MAX_RATE = 20.0
TARGET = 5.0  # LiveMarkdown should send at most this many times the reply's size

REPLY = """\
## Reading a large CSV file without running out of memory

When a file is bigger than the memory you have, the trick is to stop thinking of it as one \
table and start thinking of it as a stream of rows. Python's standard library already reads \
files lazily: a file object hands you one line at a time, and the `csv` module builds on that, \
so you only ever hold the row you are looking at. The slow part is usually not the reading \
itself but what you keep around afterwards.

Before writing any code, it is worth asking what you actually need from the file. Most jobs \
fall into one of a few shapes, and each shape has a natural way to stay small:

- **Filtering**: keep the rows that match a condition and write them somewhere else. Nothing \
has to stay in memory except the current row.
- **Aggregating**: count, sum or average a column, perhaps grouped by another column. You keep \
one small number per group, not the rows.
- **Sampling**: look at a few hundred rows to understand the data before doing anything \
expensive with it.
- **Joining**: combine the file with another table. This is the hard one, because one side \
usually has to fit in memory, so load the smaller side into a dictionary first.

Here is the aggregating case, which covers more real work than you might expect. It reads a \
file of sales, one row per sale, and adds up the amount for each region:

```python
import csv
from collections import defaultdict
from decimal import Decimal


def total_by_region(path: str) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    with open(path, newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            totals[row["region"]] += Decimal(row["amount"])

    return dict(totals)


if __name__ == "__main__":
    for region, total in sorted(total_by_region("sales.csv").items()):
        print(f"{region:<12} {total:>14,.2f}")
```

A few details in that function matter more than they look. Opening the file with \
`newline=""` lets the `csv` module handle line endings itself, which is what makes quoted \
fields containing newlines come out right. Naming the encoding avoids a surprise on a machine \
whose default is not UTF-8. And using `Decimal` instead of `float` keeps money exact: adding a \
million prices as floats drifts by a few cents, which is exactly the kind of error that \
nobody notices until an accountant does.

If the file is compressed, you do not need to unpack it first. The `gzip` module opens a \
compressed file in text mode just like `open` does, so `gzip.open(path, "rt", newline="", \
encoding="utf-8")` drops into the same function unchanged. Reading stays just as lazy: the \
decompressor works a block at a time.

When the grouping key has millions of distinct values, the dictionary of totals itself can \
become the problem. At that point you have outgrown a single pass in plain Python, and the \
usual answers are to sort the file by the key first (the `sort` command handles files far \
larger than memory) and then aggregate consecutive rows, or to load the file into a small \
database such as SQLite and let it do the grouping on disk.

### Checking your work

Large files hide bad rows. A missing amount, a stray header in the middle of the file, or a \
thousands separator in one export but not another will all raise an exception somewhere deep \
in the loop. Rather than letting the first bad row stop a job that has been running for twenty \
minutes, count the rows you skip, keep the first few as examples, and print a short report at \
the end. That way you learn how dirty the data is without losing the work you have already done.

Finally, measure before you optimise. Time the plain version on a slice of the real file, say \
the first hundred thousand rows, and multiply. It is often fast enough already, and the \
simplest code that finishes in time is the one you will still understand next month.
"""


def split_into_tokens(text: str) -> list[str]:
    """Rough tokens: up to four characters of a word with its leading space, or one space."""
    return re.findall(r" ?[^\s]{1,4}|\s", text)


def deltas(text: str, seed: int = 7) -> Iterator[tuple[float, str]]:
    """The reply as (arrival time, delta) pairs of 1 to 8 tokens each, about 7 ms a token."""
    chooser = random.Random(seed)
    tokens = split_into_tokens(text)
    at, start = 0.4, 0  # the first token comes after a realistic wait
    while start < len(tokens):
        count = chooser.randint(1, 8)
        at += count * SECONDS_PER_TOKEN * chooser.uniform(0.5, 1.5)
        yield at, "".join(tokens[start : start + count])
        start += count


def naive_bytes(stream: list[tuple[float, str]], max_rate: float = float("inf")) -> int:
    """Bytes sent when each render, at most `max_rate` a second, sends the whole text."""
    sent, text, next_render = 0, "", 0.0
    for at, delta in stream:
        text += delta
        if at >= next_render:
            sent += len(text.encode())
            next_render = at + 1 / max_rate
    return sent + len(text.encode())  # the final render


@dataclass
class LiveRun:
    """What one LiveMarkdown run sent, and how often the display caught up."""

    bytes_sent: int
    outputs: int  # outputs left in the notebook, placeholders included
    refreshes: int
    longest_gap: float  # the longest time between two refreshes, in seconds


def live_markdown_run(stream: list[tuple[float, str]], resend_ratio: float = 4.0) -> LiveRun:
    """Feed `stream` to LiveMarkdown on a simulated clock."""
    now = 0.0
    notebook = RecordingPublisher()
    live = LiveMarkdown(MAX_RATE, resend_ratio=resend_ratio, publisher=notebook, clock=lambda: now)
    refreshed_at: list[float] = []
    for now, delta in stream:
        sent_before = len(notebook.sent)
        live.feed(delta)
        if len(notebook.sent) > sent_before:
            refreshed_at.append(now)
    live.close()
    refreshed_at.append(now)
    assert live.bytes_sent == notebook.bytes_sent
    longest_gap = max(later - earlier for earlier, later in itertools.pairwise(refreshed_at))
    return LiveRun(notebook.bytes_sent, len(notebook.outputs), len(refreshed_at) - 1, longest_gap)


# --- How the work grows with the reply (issue 17) ------------------------------------------

WORDS = [
    *("stream", "token", "delta", "block", "render", "kernel"),
    *("browser", "reply", "chunk", "frame", "buffer", "parser"),
]


def _words(n: int, count: int) -> str:
    return " ".join(WORDS[(n * 7 + k * 3) % len(WORDS)] for k in range(count))


def list_reply(items: int) -> str:
    """A bulleted list, one item a line (about 35 bytes an item)."""
    return "\n".join(f"- Item {n}: {_words(n, 4)}" for n in range(items)) + "\n"


def table_reply(rows: int) -> str:
    """A table of `rows` rows (about 26 bytes a row)."""
    body = "\n".join(f"| {n} | {WORDS[n % len(WORDS)]} | {n * 7 % 1000} |" for n in range(rows))
    return "| n | word | value |\n|---|---|---|\n" + body + "\n"


def paragraphs_reply(count: int) -> str:
    """Paragraphs of about 180 bytes, a blank line between them."""
    return "\n\n".join(f"Paragraph {n}: {_words(n, 24)}." for n in range(count)) + "\n"


def long_paragraph_reply(sentences: int) -> str:
    """One paragraph on one line, growing for the whole reply."""
    return " ".join(f"Sentence {n} is {_words(n, 5)}." for n in range(sentences)) + "\n"


def nested_list_reply(items: int) -> str:
    """A loose list whose items hold a sub-list and a second paragraph."""
    return (
        "\n\n".join(
            f"{n + 1}. Step {n}: {_words(n, 3)}\n   - {_words(n + 1, 2)}\n"
            f"   - {_words(n + 2, 2)}\n\n   More on step {n}."
            for n in range(items)
        )
        + "\n"
    )


def code_reply(lines: int) -> str:
    """One fenced code block, with a blank line every fifth line."""
    body = "\n".join(
        "" if n % 5 == 4 else f"value_{n} = compute({n}, '{WORDS[n % 12]}')" for n in range(lines)
    )
    return "```python\n" + body + "\n```\n"


def quote_reply(lines: int) -> str:
    """One block quote of many lines."""
    return "\n".join(f"> {_words(n, 6)}" for n in range(lines)) + "\n"


def headings_reply(sections: int) -> str:
    """A heading and a short paragraph, many times."""
    return "\n\n".join(f"## Section {n}\n\n{_words(n, 8)}." for n in range(sections)) + "\n"


def mixture_reply(parts: int) -> str:
    """Each shape in turn, small."""
    return "\n".join(
        "\n".join(
            [
                headings_reply(1),
                paragraphs_reply(1),
                list_reply(3),
                table_reply(3),
                code_reply(4),
                quote_reply(2),
                nested_list_reply(1),
            ]
        )
        for _ in range(parts)
    )


def _framed(body: str) -> str:
    """A reply as they come: a line before the block and one after it."""
    return f"Here it is:\n\n{body}\nThat is all.\n"


SHAPES = {  # each about 3.5 KB at 1×, 28 KB at 8×
    "list": lambda k: _framed(list_reply(100 * k)),
    "table": lambda k: _framed(table_reply(156 * k)),
    "paragraphs": lambda k: _framed(paragraphs_reply(21 * k)),
    "one paragraph": lambda k: _framed(long_paragraph_reply(75 * k)),
    "nested list": lambda k: _framed(nested_list_reply(40 * k)),
    "code fence": lambda k: _framed(code_reply(132 * k)),
    "block quote": lambda k: _framed(quote_reply(84 * k)),
    "headings": lambda k: _framed(headings_reply(50 * k)),
    "mixture": lambda k: _framed(mixture_reply(5 * k)),
}
SCALES = (1, 2, 4, 8)


class SimulatedClock:
    """A clock that reads whatever time it was last set to."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class ScalingRun:
    """One reply fed to LiveMarkdown on a simulated clock, and what it cost."""

    size: int  # bytes of the reply
    duration: float  # simulated seconds the reply streams for
    cpu: float  # seconds of CPU that LiveMarkdown spent on it (the least of `repeat` runs)
    parsed: int  # characters it gave the Markdown parser
    bytes_sent: int
    exact: bool  # the outputs join to the exact text


def scaling_run(text: str, live_class: type = LiveMarkdown, repeat: int = 1) -> ScalingRun:
    """Stream `text` as the benchmark does, timing the CPU LiveMarkdown spends on it."""
    stream = list(deltas(text))
    cpus = []
    for _ in range(repeat):
        clock = SimulatedClock()
        notebook = RecordingPublisher()
        live = live_class(MAX_RATE, publisher=notebook, clock=clock)
        started = time.process_time()
        for clock.now, delta in stream:
            live.feed(delta)
        live.close()
        cpus.append(time.process_time() - started)
    exact = "".join(notebook.outputs) == text
    parsed = live.work.parsed if hasattr(live, "work") else -1  # (older versions did not count)
    return ScalingRun(
        len(text.encode()), stream[-1][0], min(cpus), parsed, notebook.bytes_sent, exact
    )


def scaling_table(live_class: type = LiveMarkdown, repeat: int = 3) -> None:
    """Print CPU and bytes for each shape at 1×, 2×, 4× and 8× its size."""
    scaling_run(SHAPES["mixture"](1), live_class)  # the parser compiles its rules on first use
    print(
        "How LiveMarkdown's work grows with the reply (simulated clock, 7 ms a token; "
        f"CPU: the least of {repeat} runs):"
    )
    print(
        f"  {'shape':<14}"
        + "".join(f"{f'{k}× CPU':>10}" for k in SCALES)
        + f"{'8×/4×':>7}{'8× size':>9}{'streams':>9}{'CPU share':>10}{'parsed':>8}"
        + f"{'bytes':>7}  exact"
    )
    for name, build in SHAPES.items():
        runs = [scaling_run(build(k), live_class, repeat) for k in SCALES]
        last = runs[-1]
        worst_bytes = max(run.bytes_sent / run.size for run in runs)
        print(
            f"  {name:<14}"
            + "".join(f"{run.cpu:>9.3f}s" for run in runs)
            + f"{last.cpu / max(runs[-2].cpu, 1e-9):>7.2f}{last.size / 1000:>7.1f}KB"
            + f"{last.duration:>8.1f}s{last.cpu / last.duration:>9.2%}"
            + f"{last.parsed / last.size:>7.1f}×{worst_bytes:>6.2f}×"
            + f"  {all(run.exact for run in runs)}"
        )
    print("  (parsed: characters given to the Markdown parser at 8×, per byte of the reply;")
    print("   bytes: the most Markdown sent per byte of the reply, at any size)")


def main() -> None:
    stream = list(deltas(REPLY))
    size = len(REPLY.encode())
    tokens = len(split_into_tokens(REPLY))
    live = live_markdown_run(stream)
    unbudgeted = live_markdown_run(stream, resend_ratio=1e9)  # no limit on re-sending the tail
    duration = stream[-1][0]
    print(f"Reply: {size:,} bytes, ~{tokens:,} tokens, {len(stream)} deltas over {duration:.1f} s")
    rows = [
        ("naive, every delta", naive_bytes(stream)),
        (f"naive, at most {MAX_RATE:g} Hz", naive_bytes(stream, MAX_RATE)),
        ("LiveMarkdown, freezing only", unbudgeted.bytes_sent),
        ("LiveMarkdown (default)", live.bytes_sent),
    ]
    for name, sent in rows:
        print(f"  {name:<30} {sent:>9,} bytes  {sent / size:6.1f}× the reply")
    for name, run in [("freezing only", unbudgeted), ("default", live)]:
        print(
            f"  LiveMarkdown, {name + ':':<15} {run.refreshes} refreshes, longest gap between "
            f"two {run.longest_gap:.2f} s, {run.outputs} outputs in the notebook"
        )
    verdict = "OK" if live.bytes_sent <= TARGET * size else "OVER TARGET"
    print(f"Target: LiveMarkdown ≤ {TARGET:g}× the reply: {verdict}")
    print()
    scaling_table()


if __name__ == "__main__":
    main()
