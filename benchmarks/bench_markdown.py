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


if __name__ == "__main__":
    main()
