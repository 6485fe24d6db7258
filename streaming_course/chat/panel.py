"""A chat with Claude inside a notebook: ask, watch the reply stream in, stop, retry, clear.

    >>> from streaming_course.chat import ChatPanel
    >>> panel = ChatPanel()   # doctest: +SKIP
    >>> panel                 # doctest: +SKIP

The turns are the conversation's (`streaming_course.conversation`): each reply streams in a
task the conversation starts (`Conversation.start`), so the kernel stays free for the next
click, and Stop, Retry and Clear are the conversation's `stop`, `aretry` and `clear`. The
panel only shows them: one view per turn, plus one for the reply in flight. Everything the
task shows goes into widget values (never ``with output:``, which shows nothing from a
task), and every error is shown as one line in the panel, with the details folded below it.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial
from typing import Any

import anthropic
import ipywidgets as widgets

from ..client import make_async_client, mode_banner
from ..config import DEFAULT_MODEL, ConfigError, load_settings
from ..conversation import Conversation, TextCallback, Turn
from ..i18n import message
from ..redact import error_details, error_line, redact
from ..replay.fixture import FixtureError
from ..silence import SilenceCallback, read_timeout, silence_notice
from .reply_view import Look, ReplyView, shared_look

STYLE = """<style>
.streaming-chat-panel .widget-html-content { line-height: 1.5; }
.streaming-chat-note { color: var(--jp-ui-font-color2, #666); font-size: 0.9em; }
.streaming-chat-problem { color: var(--jp-warn-color0, #b45309); }
.streaming-chat-incomplete { border-left: 3px solid var(--jp-warn-color1, #d97706);
  padding-left: 8px; }
.streaming-chat-transcript { height: 50vh; min-height: 14em; overflow-y: auto; }
.streaming-chat-transcript > * { flex: 0 0 auto; }
.streaming-chat-turn + .streaming-chat-turn { border-top: 1px solid var(--jp-border-color2, #ccc);
  margin-top: 10px; padding-top: 10px; }
.streaming-chat-question { margin-bottom: 0.4rem; }
.streaming-chat-reply .widget-html { margin: 0 0 0.75rem 0; }
.streaming-chat-reply .widget-html-content > * { margin: 0 0 0.75rem 0; }
.streaming-chat-reply .widget-html-content > :last-child { margin-bottom: 0; }
.streaming-chat-controls { flex-wrap: wrap; gap: 4px; }
.streaming-chat-controls .streaming-chat-input { flex: 1 1 16em; min-width: 12em; }
.streaming-chat-controls .jupyter-button { width: auto; padding: 0 12px; }
.streaming-chat-panel .jupyter-button:disabled { opacity: 0.35; filter: grayscale(1);
  cursor: not-allowed; }
.streaming-chat-activity { min-height: 1.6em; }
</style>"""
"""The panel's few styles, sent once with its header. The transcript scrolls in a box of fixed
height, newest at the bottom, so that the controls below it never move while a reply streams;
the line saying a reply streams sits just above them and keeps its height when empty; every
block of a reply is followed by the same gap, whichever widget holds it."""

TURN_CLASS = "streaming-chat-turn"

SETUP_ERRORS = (ConfigError, FixtureError, OSError)
"""What can keep the panel from making its client: a setting, a recording, a file."""

Ask = Callable[[TextCallback, SilenceCallback], Coroutine[Any, Any, Turn]]
"""`astream_reply` with its question, or `aretry`: given where the text and stalls go."""


class ChatPanel:
    """A chat panel: show it with ``panel`` as a cell's last line, or ``display(panel)``.

    `client` defaults to `make_async_client()`, `model` to the course's model. The widget
    itself is `panel.widget`, to put it in a layout of your own.

        >>> panel = ChatPanel(system="Answer in two sentences.")   # doctest: +SKIP
        >>> task = panel.send("Which herbs grow in shade?")        # doctest: +SKIP
        >>> panel.messages[-1]["role"]                             # doctest: +SKIP
        'assistant'
    """

    def __init__(
        self,
        client: anthropic.AsyncAnthropic | None = None,
        model: str | None = None,
        system: str | None = None,
        max_tokens: int = 1024,
        *,
        keep_partial: bool = False,
        max_rate: float = 20.0,
    ) -> None:
        self.max_rate = max_rate  # widget updates per second, at most, while a reply streams
        self.setup_error: Exception | None = None
        self.header = widgets.HTML()  # the styles, and the mode or what keeps it from working
        self.conversation = Conversation(
            client,
            model or _default_model(),
            system=system,
            max_tokens=max_tokens,
            keep_partial=keep_partial,
            connect=self._connect,  # at the next question, if the client cannot be made now
        )
        if client is None:
            with contextlib.suppress(SETUP_ERRORS):  # the header says why; asking tries again
                self.conversation.client = self._connect()
        else:
            self.header.value = STYLE
        self._task: asyncio.Task[Turn] | None = None
        self._views: list[TurnView] = []
        self.look = shared_look()  # one layout and one style for all the turns' HTML
        self._build_widgets(system)

    # --- What a learner calls ---------------------------------------------------------

    @property
    def messages(self) -> list[dict[str, str]]:
        """The history the next question is sent with."""
        return self.conversation.messages

    @property
    def turns(self) -> list[Turn]:
        """One record per question asked, with its reply and how it ended."""
        return self.conversation.turns

    @property
    def task(self) -> asyncio.Task[Turn] | None:
        """The task streaming the current reply, or the last one (``await panel.task``)."""
        return self._task

    @property
    def busy(self) -> bool:
        """True while a reply streams."""
        return self.conversation.busy

    def send(self, text: str) -> asyncio.Task[Turn]:
        """Ask `text`, as typing it and pressing Enter does; returns the reply's task."""
        question = text.strip()
        if not question:
            raise ValueError(message("chat.empty_question"))
        return self._start(question, partial(self.conversation.astream_reply, question))

    def stop(self) -> None:
        """Stop the reply in flight: what arrived stays, marked as stopped."""
        if self.busy and self._views:
            self._views[-1].reply.finish()  # show all that arrived now: nothing more will
        self.conversation.stop()

    def retry(self) -> asyncio.Task[Turn]:
        """Ask the last question again, in place of its turn; returns the reply's task."""
        if not self.turns:
            raise ValueError(message("chat.nothing_to_retry"))
        ask = self.conversation.aretry
        return self._start(self.turns[-1].question, ask, replacing=True)

    def clear(self) -> None:
        """Forget the conversation and empty the panel (a reply in flight is stopped first)."""
        self.conversation.clear()  # the stopped turn is forgotten too
        self._views.clear()
        self.transcript.children = ()
        self._show_busy(self.busy)

    def to_markdown(self) -> str:
        """The conversation as a Markdown transcript (see `Conversation.to_markdown`)."""
        return self.conversation.to_markdown()

    def to_json(self) -> str:
        """The conversation as JSON (see `Conversation.to_json`)."""
        return self.conversation.to_json()

    def __repr__(self) -> str:
        return f"ChatPanel(model={self.conversation.model!r})"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """Show the widget; its text form is the short, stable `repr` above."""
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle

    # --- One reply, from the click to its last line ---------------------------------

    def _start(self, question: str, ask: Ask, replacing: bool = False) -> asyncio.Task[Turn]:
        """Show a view for `question` (in place of the last one) and start its reply."""
        asyncio.get_running_loop()  # a notebook has one; a plain script must use asyncio
        if self.busy:
            raise RuntimeError(message("chat.busy"))
        self.conversation.system = self.system_prompt.value.strip() or None
        view = TurnView(question, self.max_rate, self.look)
        if replacing:
            self._views.pop()  # its turn is replaced too
        self._views.append(view)
        self.transcript.children = tuple(each.widget for each in self._views)
        reply = ask(view.add_text, partial(self._show_silence, view))
        self._task = self.conversation.start(self._show_reply(view, reply))
        self._show_busy(True)
        return self._task

    async def _show_reply(self, view: TurnView, reply: Awaitable[Turn]) -> Turn:
        """Stream the reply into `view`, then show how it ended (never a silent failure)."""
        try:
            turn = await reply
        except Exception as error:  # a bug: shown, and recorded so that the transcript has it
            view.turn = self.conversation.record_unsent(view.question, error)
            view.show_error(error)
            return view.turn
        finally:
            self._show_busy(False)
        view.show_turn(turn)
        return turn

    def _show_silence(self, view: TurnView, seconds: float) -> None:
        view.show_silence(seconds, read_timeout(self.conversation.client))

    def _connect(self) -> anthropic.AsyncAnthropic:
        """Make the client, or keep the reason it cannot be made; say which in the header."""
        try:
            settings = load_settings()
            client = make_async_client(settings, banner=False)
        except SETUP_ERRORS as error:
            self.setup_error = error
            line = _line(f"⚠ {redact(str(error))}", "streaming-chat-problem")
            self.header.value = f"{STYLE}{line}"
            raise
        self.setup_error = None
        self.header.value = f"{STYLE}{_line(mode_banner(settings), 'streaming-chat-note')}"
        return client

    # --- Widgets -------------------------------------------------------------------

    def _build_widgets(self, system: str | None) -> None:
        self.system_prompt = widgets.Text(
            value=system or "",
            description=message("chat.system_label"),
            placeholder=message("chat.system_placeholder"),
            layout=widgets.Layout(width="auto"),  # as wide as the panel
            style={"description_width": "initial"},
        )
        self.transcript = widgets.VBox()
        # The transcript scrolls inside a box of fixed height that starts at its bottom
        # (column-reverse): a reply that grows stays in view, and the controls stay put.
        scroller = widgets.Box(
            [self.transcript],
            layout=widgets.Layout(flex_flow="column-reverse"),
            _dom_classes=["streaming-chat-transcript"],
        )
        self.input = widgets.Text(
            placeholder=message("chat.input_placeholder"), layout=widgets.Layout(width="auto")
        )
        self.input.add_class("streaming-chat-input")
        self.input.on_msg(self._on_input_message)
        self.send_button = _button("chat.send", "paper-plane", "primary", self._submit)
        self.stop_button = _button("chat.stop", "stop", "warning", lambda _: self.stop())
        self.retry_button = _button("chat.retry", "redo", "", lambda _: self.retry())
        self.clear_button = _button("chat.clear", "trash", "", lambda _: self.clear())
        self.activity = widgets.HTML(_dom_classes=["streaming-chat-activity"])
        controls = widgets.HBox(
            [self.input, self.send_button, self.stop_button, self.retry_button, self.clear_button],
            _dom_classes=["streaming-chat-controls"],
        )
        parts = [self.header, self.system_prompt, scroller, self.activity, controls]
        self.widget = widgets.VBox(parts)
        self.widget.add_class("streaming-chat-panel")
        self._show_busy(False)

    def _on_input_message(self, _widget: object, content: dict, _buffers: object) -> None:
        """The text box sends ``{"event": "submit"}`` when Enter is pressed."""
        if content.get("event") == "submit":
            self._submit()

    def _submit(self, *_: object) -> None:
        """Send what is typed, unless a reply is still streaming (then keep it typed)."""
        if self.busy or not self.input.value.strip():
            return
        text, self.input.value = self.input.value, ""
        self.send(text)

    def _show_busy(self, busy: bool) -> None:
        self.send_button.disabled = busy
        self.stop_button.disabled = not busy
        self.retry_button.disabled = busy or not self.turns
        self.clear_button.disabled = busy
        # The kernel reads "Idle" while a reply streams in its task: the panel says it (once
        # Stop is enabled, so the line never promises a Stop that is not there yet).
        streaming = _line(message("chat_panel.streaming"), "streaming-chat-note")
        self.activity.value = streaming if busy else ""


class TurnView:
    """One question in the panel, its reply as it streams, and a line saying how it went."""

    def __init__(self, question: str, max_rate: float, look: Look | None = None) -> None:
        self.question = question
        self.turn: Turn | None = None  # set once the reply has ended
        self.reply = ReplyView(max_rate, look=look)
        look = self.reply.look  # shared by the turn's widgets: fewer widgets to open
        you = f"<b>{html.escape(message('chat.you'))}:</b> {html.escape(question)}"
        asked = widgets.HTML(you, **look, _dom_classes=["streaming-chat-question"])
        waiting = _line(message("chat.waiting"), "streaming-chat-note")
        self.status = widgets.HTML(waiting, **look, _dom_classes=["streaming-chat-status"])
        self._silent = False
        parts = [asked, self.reply.widget, self.status]
        self.widget = widgets.VBox(parts, layout=look["layout"], _dom_classes=[TURN_CLASS])

    def add_text(self, text: str) -> None:
        """Show a piece of the reply (the first one also changes the waiting line)."""
        if not self.reply.text or self._silent:
            self._silent = False
            self.status.value = _line(message("chat.streaming"), "streaming-chat-note")
        self.reply.add(text)

    def show_silence(self, seconds: float, read_timeout: float | None) -> None:
        """Say that nothing has arrived for `seconds`, and what the learner can do."""
        if self.turn is None:  # the reply may have ended meanwhile
            self._silent = True
            notice = silence_notice(seconds, read_timeout, "panel")
            self.status.value = _line(notice, "streaming-chat-problem")

    def show_turn(self, turn: Turn) -> None:
        """Show the whole reply and its figures; an incomplete one is marked, with details."""
        self.turn = turn
        self.reply.finish()
        figures = _line(turn.figures(), "streaming-chat-note") if turn.figures() else ""
        if turn.complete:
            self.status.value = figures
            return
        self.reply.widget.add_class("streaming-chat-incomplete")
        problem = turn.problem()
        if turn.retry_may_help:
            problem = message("chat.sentences", first=problem, second=message("faults.retry_panel"))
        problem = _line(problem, "streaming-chat-problem")
        self.status.value = problem + figures + (_details(turn.error) if turn.error else "")

    def show_error(self, error: BaseException) -> None:
        """Show an error that is not the stream's (a setting, a bug) in one line and details."""
        self.reply.finish()
        if isinstance(error, ConfigError):
            line = f"⚠ {redact(str(error))}"
        else:
            line = message("chat.unexpected", error=error_line(error))
        self.status.value = _line(line, "streaming-chat-problem") + _details(error)


def _button(
    label_key: str, icon: str, style: str, on_click: Callable[[widgets.Button], None]
) -> widgets.Button:
    button = widgets.Button(description=message(label_key), icon=icon, button_style=style)
    button.add_class(f"streaming-chat-{label_key.removeprefix('chat.')}")
    button.on_click(on_click)
    return button


def _line(text: str, css_class: str) -> str:
    return f'<div class="{css_class}">{html.escape(text)}</div>'


def _details(error: BaseException) -> str:
    """The whole error, folded: a click on "Details" unfolds it."""
    text = error_details(error)  # keys and header values hidden
    summary = html.escape(message("chat.details"))
    return f"<details><summary>{summary}</summary><pre>{html.escape(text)}</pre></details>"


def _default_model() -> str:
    """The course's model; when the settings cannot be read, the default (the header says why)."""
    try:
        return load_settings().model
    except ConfigError:
        return DEFAULT_MODEL
