"""A reply shown as Markdown in widgets while it streams, without flooding the browser.

Each assignment to a widget's value sends the whole value to the browser: rendering the
reply on every delta sends it again with every token. `ReplyView` renders at most
`max_rate` times a second (a last render follows the text when it pauses) and shows each
finished block in its own `HTML` widget, sent once; only the open tail is re-rendered.
Which blocks are finished is decided by `markdown_live.finished_length`.

    >>> view = ReplyView()
    >>> view.add("Hello **world**!")  # each piece of the reply (in a running event loop)
    >>> view.finish()                 # at the end: all the text, shown now
    >>> view.tail.value
    '<p>Hello <strong>world</strong>!</p>\\n'
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import ipywidgets as widgets
from markdown_it import MarkdownIt

from ..markdown_live import finished_length

RENDERER = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
"""CommonMark with GitHub's tables; HTML in a reply is shown as text, never run."""

REPLY_CLASS = "streaming-chat-reply"  # the CSS class of the reply's box (the browser test finds it)


class ReplyView:
    """Renders the text of one reply into `widget`, live, at most `max_rate` times a second.

    Call `add` for each piece of text (inside a running event loop), then `finish` to show
    all of it at once. `clock` is for tests.
    """

    def __init__(self, max_rate: float = 20.0, clock: Callable[[], float] = time.monotonic):
        self.min_interval = 1 / max_rate
        self.clock = clock
        self.tail = widgets.HTML()
        # The reply's other HTML widgets share the tail's layout and style: each would
        # otherwise open two more widgets of its own in the browser.
        self._layout, self._style = self.tail.layout, self.tail.style
        self.widget = widgets.VBox([self.tail])
        self.widget.add_class(REPLY_CLASS)
        self._pieces: list[str] = []
        self._frozen_length = 0  # characters already shown in finished blocks
        self._next_render_at = -float("inf")
        self._pending: asyncio.TimerHandle | None = None

    @property
    def text(self) -> str:
        """All the text added so far."""
        return "".join(self._pieces)

    def add(self, text: str) -> None:
        """Add a piece of the reply: shown now if the last render is old enough, else soon."""
        self._pieces.append(text)
        now = self.clock()
        if now >= self._next_render_at:
            self.render()
        elif self._pending is None:
            loop = asyncio.get_running_loop()
            self._pending = loop.call_later(self._next_render_at - now, self.render)

    def finish(self) -> None:
        """Show all the text added so far, now; no render is left pending."""
        self.render()

    def render(self) -> None:
        """Show all the text added so far: new finished blocks once, then the open tail."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        self._next_render_at = self.clock() + self.min_interval
        tail = self.text[self._frozen_length :]
        finished = finished_length(tail)
        if finished:
            self._freeze(tail[:finished], tail[finished:])
            return
        html = RENDERER.render(tail)
        if html != self.tail.value:
            self.tail.value = html

    def _freeze(self, blocks: str, rest: str) -> None:
        """Show finished `blocks` in a widget of their own and `rest` in a new tail widget.

        Both widgets reach the browser before the one change of `children` that swaps them
        for the old tail, so the reply never shows a block twice or loses one for a moment.
        """
        old_tail = self.tail
        self.tail = self._html(rest)
        block = self._html(blocks)
        self.widget.children = (*self.widget.children[:-1], block, self.tail)
        old_tail.close()
        self._frozen_length += len(blocks)

    def _html(self, markdown: str) -> widgets.HTML:
        return widgets.HTML(RENDERER.render(markdown), layout=self._layout, style=self._style)
