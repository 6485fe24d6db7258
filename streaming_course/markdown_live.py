"""Show a reply as Markdown while it streams into a notebook, without flooding the browser.

Re-rendering the whole reply on every delta sends the browser O(n²) bytes: the first
paragraph travels again with every token after it. `LiveMarkdown` sends each finished
block once, as its own output, and re-renders only the unfinished tail, through one
display handle at a time, at most `max_rate` times a second:

    >>> live = LiveMarkdown(publisher=RecordingPublisher())
    >>> for delta in ["# Ti", "tle\\n\\nFirst para", "graph.\\n\\nSecond."]:
    ...     live.feed(delta)
    >>> live.close()
    '# Title\\n\\nFirst paragraph.\\n\\nSecond.'

Its own work stays in step with the text: each delta is read once as it arrives, the open
blocks are parsed again only when a line may have ended one (`markdown_blocks`), and the
tail is re-sent only when enough is new, so a long list, table or code block costs the
kernel no more per token than a short one.

It passes `pytest --nbval`, which ignores display updates: each tail handle starts empty
and ends empty, and all the final content arrives as new outputs. Outside a notebook
it prints the deltas as plain text instead.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Literal, Protocol

from .markdown_blocks import PARSER, Blocks, EndWatch, finished_length, read_blocks

__all__ = ["PARSER", "LiveMarkdown", "NotebookPublisher", "Publisher", "RecordingPublisher"]
__all__ += ["Sent", "Work", "finished_length", "in_notebook"]


@dataclass
class Work:
    """What a `LiveMarkdown` did, counted: figures that do not depend on the machine's speed."""

    parsed: int = 0  # characters given to the Markdown parser
    parses: int = 0  # times the open blocks were parsed
    refreshes: int = 0  # times the display was brought up to date


class LiveMarkdown:
    """Renders streamed text as Markdown in a notebook, live, sending each finished block once.

    >>> with LiveMarkdown(max_rate=10) as live:  # doctest: +SKIP
    ...     for text in stream.text_stream:
    ...         live.feed(text)

    The display is refreshed at most `max_rate` times a second, and the tail is re-sent
    only once the text that is new since the last refresh is at least 1 / `resend_ratio`
    of it (a quarter, by default): the browser receives at most `resend_ratio + 1` times
    the text's size in all, and a long block refreshes less often as it grows. A refresh
    that took t seconds of CPU is followed by none for t / `max_busy` seconds, so the
    display never takes more than that share of the kernel.

    `catch_up` also shows the text when it pauses, once the rate allows (it needs a running
    asyncio loop, as a widget's task has). `publisher` is where the Markdown goes (see
    `Publisher`); `clock` and `cost_clock` are for tests and benchmarks. With a simulated
    `clock`, CPU time is not counted unless a `cost_clock` is given too, so what is sent
    depends only on the text and the simulated times (the same on any machine).
    """

    def __init__(
        self,
        max_rate: float = 20.0,
        *,
        resend_ratio: float = 4.0,
        publisher: Publisher | None = None,
        clock: Callable[[], float] = time.monotonic,
        max_busy: float = 0.1,
        cost_clock: Callable[[], float] | None = None,
        catch_up: bool = False,
    ) -> None:
        if max_rate <= 0 or resend_ratio <= 0 or max_busy <= 0:
            raise ValueError("max_rate, resend_ratio and max_busy must be positive")
        self.min_interval = 1 / max_rate
        self.resend_ratio = resend_ratio
        if cost_clock is None:
            cost_clock = time.process_time if clock is time.monotonic else _no_cost
        self.clock, self.cost_clock, self.max_busy = clock, cost_clock, max_busy
        self.catch_up = catch_up
        self.plain = publisher is None and not in_notebook()
        self.publisher = publisher or NotebookPublisher()
        self.keeps_updates = getattr(self.publisher, "keeps_updates", False)
        self.bytes_sent = 0  # UTF-8 bytes of all the Markdown (or plain text) sent
        self.work = Work()
        self._deltas: list[str] = []
        self._length = 0  # characters fed
        self._frozen_length = 0  # characters sent as finished blocks
        self._open = ""  # the text after them, as far as it was last needed
        self._unjoined: list[str] = []  # the deltas after `_open`
        self._open_bytes = 0  # UTF-8 size of all the text after the frozen blocks
        self._new_bytes = 0  # UTF-8 size of the text fed since the last refresh
        self._finished = Blocks(0)  # what the last parse found, counted from `_frozen_length`
        self._finished_bytes = 0
        self._ends = EndWatch()
        self._parsed_at = 0  # `_length` at the last parse
        self._fruitless_parses = 0  # parses in a row that found nothing more finished
        self._tail_handle: object | None = None
        self._shown_tail = ""
        self._next_refresh = -float("inf")
        self._catching_up: asyncio.TimerHandle | None = None
        self._closed = False

    @property
    def text(self) -> str:
        """Everything fed so far."""
        return "".join(self._deltas)

    @property
    def closed(self) -> bool:
        """Whether `close` was called: the display is final."""
        return self._closed

    def feed(self, delta: str) -> None:
        """Add the next piece of the reply; the display catches up when it is worth it."""
        if self._closed:
            raise RuntimeError("this LiveMarkdown is closed")
        self._deltas.append(delta)
        if self.plain:
            self._print(delta)
            return
        self._unjoined.append(delta)
        self._length += len(delta)
        size = len(delta.encode())
        self._open_bytes += size
        self._new_bytes += size
        self._ends.read(delta)
        now = self.clock()
        if now >= self._next_refresh:
            self._next_refresh = now + self.min_interval
            self._refresh(now)
        elif self.catch_up and self._catching_up is None:
            self._catch_up_later(self._next_refresh - now)

    def close(self) -> str:
        """Show the exact final rendering and return the whole text."""
        text = self.text
        if self._closed:
            return text
        self._closed = True
        if self._catching_up is not None:
            self._catching_up.cancel()
        if self.plain:
            if not text.endswith(("\n", "\r")):
                self._print("\n")
            return text
        final_tail = self._open_text()
        if self.keeps_updates and self._tail_handle is not None:
            self._show_tail(final_tail)
        else:
            self._empty_tail_handle()
            if final_tail:
                self._display(final_tail)
        return text

    def __enter__(self) -> LiveMarkdown:
        return self

    def __exit__(
        self,
        error_type: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()  # on an error too: show what arrived

    def _refresh(self, now: float) -> None:
        """Send the newly finished blocks and the new tail, unless the tail costs too much.

        Re-sending a tail of T bytes when N bytes are new costs T / N bytes per new byte.
        """
        started = self.cost_clock()
        try:
            if self._ends.due and self._parse_is_worth_it():
                self._parse()
            freezing = self._finished.finished > 0 and self._finished_bytes >= getattr(
                self.publisher, "new_output_bytes", 0
            )  # a publisher whose outputs cost more than their text gets fewer of them
            tail_bytes = self._open_bytes - (self._finished_bytes if freezing else 0)
            if tail_bytes > self.resend_ratio * self._new_bytes:
                return  # wait for more text
            if freezing:
                self._freeze()
            self._show_tail(self._open_text())
            self._new_bytes = 0
            self.work.refreshes += 1
        finally:
            cost = self.cost_clock() - started
            self._next_refresh = max(self._next_refresh, now + cost / self.max_busy)

    def _parse_is_worth_it(self) -> bool:
        """A blank line may have ended a block; parse the open text again, if not too often.

        After two parses in a row that found nothing, the next waits until the new text
        is 1 / `resend_ratio` of the text to parse, so that parsing stays in step with the text.
        """
        if self._fruitless_parses < 2:
            return True
        new = self._length - self._parsed_at
        return (
            self.resend_ratio * new >= self._length - self._frozen_length - self._finished.finished
        )

    def _parse(self) -> None:
        """Parse what follows the blocks known to be finished (sent or not, they cannot change)."""
        start = self._finished.finished
        unfinished = self._open_text()[start:]
        self.work.parsed += len(unfinished)
        self.work.parses += 1
        blocks = read_blocks(unfinished)
        self._ends.expect(blocks)
        self._parsed_at = self._length
        if blocks.finished:
            self._finished_bytes += len(unfinished[: blocks.finished].encode())
            self._fruitless_parses = 0
        else:
            self._fruitless_parses += 1
        self._finished = Blocks(start + blocks.finished, blocks.waiting, blocks.marks)

    def _freeze(self) -> None:
        """Send the finished blocks as an output of their own; the tail starts after them."""
        open_text = self._open_text()
        cut = self._finished.finished
        if self.keeps_updates and self._tail_handle is not None:
            self._update(self._tail_handle, open_text[:cut])  # the tail's output keeps them
            self._tail_handle, self._shown_tail = None, ""
        else:
            self._empty_tail_handle()
            self._display(open_text[:cut])
        self._frozen_length += cut
        self._open = open_text[cut:]
        self._open_bytes -= self._finished_bytes
        self._finished, self._finished_bytes = Blocks(0, self._finished.waiting), 0

    def _open_text(self) -> str:
        """The text after the frozen blocks (joined only when needed)."""
        if self._unjoined:
            self._open += "".join(self._unjoined)
            self._unjoined.clear()
        return self._open

    def _catch_up_later(self, delay: float) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop to wait in: the next delta or `close` shows the text
        self._catching_up = loop.call_later(max(delay, 0.0), self._catch_up)

    def _catch_up(self) -> None:
        """The text paused: show it, as a delta arriving now would."""
        self._catching_up = None
        now = self.clock()
        if self._closed or self._new_bytes == 0:
            return
        if now < self._next_refresh:
            self._catch_up_later(self._next_refresh - now)
            return
        self._next_refresh = now + self.min_interval
        self._refresh(now)

    def _show_tail(self, tail: str) -> None:
        if tail == self._shown_tail:
            return
        if self._tail_handle is None and self.keeps_updates:
            self._tail_handle = self._display(tail)
        elif self._tail_handle is None:
            self._tail_handle = self._display("")  # empty at first, and empty again at the end
            self._update(self._tail_handle, tail)
        else:
            self._update(self._tail_handle, tail)
        self._shown_tail = tail

    def _empty_tail_handle(self) -> None:
        """Put the tail's output back as it started, empty; the next outputs go below it."""
        if self._tail_handle is not None and self._shown_tail:
            self._update(self._tail_handle, "")
        self._tail_handle = None
        self._shown_tail = ""

    def _display(self, markdown: str) -> object:
        self.bytes_sent += len(markdown.encode())
        return self.publisher.display(markdown)

    def _update(self, handle: object, markdown: str) -> None:
        self.bytes_sent += len(markdown.encode())
        self.publisher.update(handle, markdown)

    def _print(self, text: str) -> None:
        self.bytes_sent += len(text.encode())
        print(text, end="", flush=True)


# Where the Markdown goes ---------------------------------------------------------------------


class Publisher(Protocol):
    """Where rendered Markdown goes: new outputs, and updates to an output shown earlier.

    Two attributes are optional: `keeps_updates` (true for widgets, whose last value is what
    stays: finished blocks then go into the tail's output, and a new one follows) and
    `new_output_bytes` (what a new output costs beyond its text: finished blocks wait in the
    tail until they are at least that big).
    """

    def display(self, markdown: str) -> object:
        """Show `markdown` as a new output; return a handle to update it."""
        ...

    def update(self, handle: object, markdown: str) -> None:
        """Replace what the output `handle` shows with `markdown`."""
        ...


class NotebookPublisher:
    """Sends Markdown to the notebook through IPython display handles.

    >>> NotebookPublisher().display("**Hello**")  # doctest: +SKIP
    """

    def display(self, markdown: str) -> object:
        from IPython.display import display

        return display(self._bundle(markdown), raw=True, display_id=True)

    def update(self, handle: object, markdown: str) -> None:
        handle.update(self._bundle(markdown), raw=True)  # type: ignore[attr-defined]

    @staticmethod
    def _bundle(markdown: str) -> dict[str, str]:
        """Empty output goes as plain text, the rest as Markdown.

        JupyterLab clears an empty Markdown output at once but renders the others
        asynchronously: a slow earlier render could land after the clearing and stay.
        A change of type makes it drop the old renderer with its pending work.
        """
        return {"text/markdown": markdown} if markdown else {"text/plain": ""}


@dataclass(frozen=True)
class Sent:
    """One message to the front end: a new output, or an update to output number `output`."""

    kind: Literal["display", "update"]
    output: int
    markdown: str


class RecordingPublisher:
    """A stand-in notebook for tests and benchmarks: keeps the outputs and every message sent.

    >>> notebook = RecordingPublisher()
    >>> notebook.update(notebook.display(""), "Hi")
    >>> notebook.outputs, notebook.bytes_sent
    (['Hi'], 2)
    """

    def __init__(self) -> None:
        self.outputs: list[str] = []
        self.sent: list[Sent] = []

    def display(self, markdown: str) -> int:
        self.outputs.append(markdown)
        self.sent.append(Sent("display", len(self.outputs) - 1, markdown))
        return len(self.outputs) - 1

    def update(self, handle: object, markdown: str) -> None:
        assert isinstance(handle, int)
        self.outputs[handle] = markdown
        self.sent.append(Sent("update", handle, markdown))

    @property
    def bytes_sent(self) -> int:
        """The UTF-8 size of all the Markdown sent so far."""
        return sum(len(sent.markdown.encode()) for sent in self.sent)

    @property
    def outputs_as_first_shown(self) -> list[str]:
        """The outputs as a checker that ignores updates sees them, as `pytest --nbval` does."""
        return [sent.markdown for sent in self.sent if sent.kind == "display"]


def _no_cost() -> float:
    return 0.0


def in_notebook() -> bool:
    """Whether this code runs in a Jupyter kernel, where Markdown can be displayed.

    >>> in_notebook()
    False
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return type(get_ipython()).__name__ == "ZMQInteractiveShell"
