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

It passes `pytest --nbval`, which ignores display updates: each tail handle starts empty
and ends empty, and all the final content arrives as new outputs. Outside a notebook
it prints the deltas as plain text instead.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Literal, Protocol

from markdown_it import MarkdownIt
from markdown_it.token import Token

PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
"""The Markdown dialect used to find where blocks end: CommonMark plus GitHub's tables."""

NEWLINE = re.compile(r"\r\n|\r|\n")  # what markdown-it counts as the end of a line
CONTINUED_AFTER_BLANK_LINES = {"bullet_list_open", "ordered_list_open", "code_block"}
MAY_CONTINUE_THEM = set(" \t\r-+*0123456789")  # indentation, a list marker, or a blank line


class LiveMarkdown:
    """Renders streamed text as Markdown in a notebook, live, sending each finished block once.

    >>> with LiveMarkdown(max_rate=10) as live:  # doctest: +SKIP
    ...     for text in stream.text_stream:
    ...         live.feed(text)

    The display is refreshed at most `max_rate` times a second, and the tail is re-sent
    only once the text that is new since the last refresh is at least 1 / `resend_ratio`
    of it (a quarter, by default): the browser receives at most `resend_ratio + 1` times
    the text's size in all, and a long block refreshes less often as it grows.
    `publisher` and `clock` are for tests and benchmarks.
    """

    def __init__(
        self,
        max_rate: float = 20.0,
        *,
        resend_ratio: float = 4.0,
        publisher: Publisher | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_rate <= 0 or resend_ratio <= 0:
            raise ValueError("max_rate and resend_ratio must be positive")
        self.min_interval = 1 / max_rate
        self.resend_ratio = resend_ratio
        self.clock = clock
        self.plain = publisher is None and not in_notebook()
        self.publisher = publisher or NotebookPublisher()
        self.bytes_sent = 0  # UTF-8 bytes of all the Markdown (or plain text) sent
        self._deltas: list[str] = []
        self._frozen_length = 0  # characters sent as finished blocks
        self._refreshed_length = 0  # characters of the text at the last refresh
        self._tail_handle: object | None = None
        self._shown_tail = ""
        self._next_refresh = -float("inf")
        self._closed = False

    @property
    def text(self) -> str:
        """Everything fed so far."""
        return "".join(self._deltas)

    def feed(self, delta: str) -> None:
        """Add the next piece of the reply; the display catches up when it is worth it."""
        if self._closed:
            raise RuntimeError("this LiveMarkdown is closed")
        self._deltas.append(delta)
        if self.plain:
            self._print(delta)
            return
        now = self.clock()
        if now >= self._next_refresh:
            self._next_refresh = now + self.min_interval
            self._refresh()

    def close(self) -> str:
        """Show the exact final rendering and return the whole text."""
        text = self.text
        if self._closed:
            return text
        self._closed = True
        if self.plain:
            if not text.endswith(("\n", "\r")):
                self._print("\n")
            return text
        self._empty_tail_handle()
        if final_tail := text[self._frozen_length :]:
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

    def _refresh(self) -> None:
        """Send the newly finished blocks and the new tail, unless the tail costs too much.

        Re-sending a tail of T bytes when N bytes are new costs T / N bytes per new byte.
        """
        text = self.text
        finished = self._frozen_length + finished_length(text[self._frozen_length :])
        tail = text[finished:]
        new_bytes = len(text[self._refreshed_length :].encode())
        if len(tail.encode()) > self.resend_ratio * new_bytes:
            return  # wait for more text
        if finished > self._frozen_length:
            self._empty_tail_handle()
            self._display(text[self._frozen_length : finished])
            self._frozen_length = finished
        self._show_tail(tail)
        self._refreshed_length = len(text)

    def _show_tail(self, tail: str) -> None:
        if tail == self._shown_tail:
            return
        if self._tail_handle is None:
            self._tail_handle = self._display("")  # empty at first, and empty again at the end
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


# Where finished blocks end ------------------------------------------------------------------


def finished_length(text: str) -> int:
    """How many characters at the start of `text` are top-level blocks that can no longer change.

    A block is finished when a blank line follows it and nothing after that line can
    continue it: for most blocks the blank line is enough; a list or an indented code block
    must also be followed by a line that can neither continue it nor be blank. An unclosed
    code fence runs to the end of the text, so it never finishes early.

    >>> finished_length("# Title\\n\\nA paragraph")
    9
    >>> finished_length("- a list\\n\\n")  # the next line may add an item
    0
    """
    line_starts = _line_starts(text)
    references: dict = {}
    tokens = PARSER.parse(text[: line_starts[-1]], references)
    blocks = [token for token in tokens if token.level == 0 and token.map is not None]
    if references or not blocks:  # a link definition serves the whole text: keep it in one piece
        return 0  # (a link used in a block sent before its definition arrives stays plain text)
    if _last_block_is_over(blocks[-1], text, line_starts):
        return line_starts[-1]
    for block in reversed(blocks[1:]):  # a block after a blank line ends the blocks before it
        start = _first_line(block)
        if _is_blank(text[line_starts[start - 1] : line_starts[start]]):
            return line_starts[start]
    return 0


def _last_block_is_over(block: Token, text: str, line_starts: list[int]) -> bool:
    """Whether the last whole line is blank and nothing that may follow can continue `block`."""
    whole_lines = len(line_starts) - 1
    if whole_lines == 0 or not _is_blank(text[line_starts[-2] : line_starts[-1]]):
        return False
    if block.type in CONTINUED_AFTER_BLANK_LINES:
        next_line = text[line_starts[-1] :]
        return next_line != "" and next_line[0] not in MAY_CONTINUE_THEM
    assert block.map is not None
    return block.map[1] < whole_lines  # else an unclosed fence or HTML block spans the blank line


def _line_starts(text: str) -> list[int]:
    """Where each whole line of `text` starts, then where its unfinished last line starts.

    >>> _line_starts("one\\r\\ntwo\\nthr")
    [0, 5, 9]

    A lone "\\r" at the very end may be half of a "\\r\\n", so its line is not whole yet.
    """
    searched = text.removesuffix("\r")
    return [0, *(match.end() for match in NEWLINE.finditer(searched))]


def _first_line(block: Token) -> int:
    assert block.map is not None
    return block.map[0]


def _is_blank(line: str) -> bool:
    return line.strip(" \t\r\n") == ""


# Where the Markdown goes ---------------------------------------------------------------------


class Publisher(Protocol):
    """Where rendered Markdown goes: new outputs, and updates to an output shown earlier."""

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
