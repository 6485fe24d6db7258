"""A reply shown as Markdown in widgets while it streams, through `markdown_live`.

`LiveMarkdown` decides what to send and when: each finished block once, the open tail at
most `max_rate` times a second and only when enough of it is new. `WidgetPublisher` shows
what it sends as `HTML` widgets in a box: a new widget for a new output, a new value for an
update. Each assignment to a widget's value sends the whole value to the browser, which is
why the tail is kept short and re-sent sparingly.

    >>> view = ReplyView()
    >>> view.add("Hello **world**!")  # each piece of the reply
    >>> view.finish()                 # at the end: all the text, shown now
    >>> view.widget.children[-1].value
    '<p>Hello <strong>world</strong>!</p>\\n'
"""

from __future__ import annotations

import time
from collections.abc import Callable

import ipywidgets as widgets
from ipywidgets.widgets.widget_string import HTMLStyle
from markdown_it import MarkdownIt

from ..markdown_live import LiveMarkdown

RENDERER = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
"""CommonMark with GitHub's tables; HTML in a reply is shown as text, never run."""

REPLY_CLASS = "streaming-chat-reply"  # the CSS class of the reply's box (the browser test finds it)
WIDGET_BYTES = 600  # about what opening an HTML widget sends the browser (its whole state)
CHILD_BYTES = 47  # what each child adds to a message that sets a box's children
RESEND_RATIO = 1.75  # the tail is re-sent once the new text is 4/7 of its size


Look = dict[str, widgets.Widget]
"""A layout and a style, as keyword arguments for `widgets.HTML`."""


def shared_look() -> Look:
    """One layout and one style for many HTML widgets: each would otherwise open two more
    widgets of its own in the browser (about 1.4 KB)."""
    return {"layout": widgets.Layout(), "style": HTMLStyle()}


class WidgetPublisher:
    """Shows `LiveMarkdown`'s outputs as `HTML` widgets at the end of `box`.

    The widgets share one layout and one style (`look`).
    """

    keeps_updates = True  # a widget keeps its last value: no checker reads only the first

    def __init__(self, box: widgets.Box, look: Look) -> None:
        self.box, self.look = box, look

    @property
    def new_output_bytes(self) -> int:
        """What one more output costs: the widget, and the box's children sent again."""
        return WIDGET_BYTES + CHILD_BYTES * (len(self.box.children) + 1)

    def display(self, markdown: str) -> widgets.HTML:
        html = widgets.HTML(RENDERER.render(markdown), **self.look)
        self.box.children = (*self.box.children, html)
        return html

    def update(self, handle: object, markdown: str) -> None:
        assert isinstance(handle, widgets.HTML)
        handle.value = RENDERER.render(markdown)


class ReplyView:
    """The text of one reply, rendered into `widget` while it streams.

    Call `add` for each piece of text (inside a running event loop, the text is also shown
    when it pauses), then `finish` to show all of it at once; text added after `finish` is
    ignored, so what a Stop left on screen stays. `look` is shared by the reply's widgets
    (pass one `shared_look()` to all the replies of a panel). `clock` is for tests.
    """

    def __init__(
        self,
        max_rate: float = 20.0,
        clock: Callable[[], float] = time.monotonic,
        look: Look | None = None,
    ) -> None:
        self.look = look or shared_look()
        # (`_dom_classes` given here saves the message that `add_class` would send)
        self.widget = widgets.VBox(layout=self.look["layout"], _dom_classes=[REPLY_CLASS])
        publisher = WidgetPublisher(self.widget, self.look)
        self.live = LiveMarkdown(
            max_rate, resend_ratio=RESEND_RATIO, publisher=publisher, clock=clock, catch_up=True
        )

    @property
    def text(self) -> str:
        """All the text added so far."""
        return self.live.text

    def add(self, text: str) -> None:
        """Add a piece of the reply: shown now, or soon."""
        if not self.live.closed:
            self.live.feed(text)

    def finish(self) -> None:
        """Show all the text added so far, now; nothing more will be shown."""
        self.live.close()
