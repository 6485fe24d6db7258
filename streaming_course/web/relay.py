"""The relay: one reply read from the SDK, sent on to the page as server-sent events.

It reads the SDK's stream through `aread_events` (the course's one reader) and turns it into
a few events of its own, each a JSON object in one ``data:`` line:

=========  ==========================================================================
``text``   ``{"text": "…"}``: the next piece of the reply, as it arrived
``block``  ``{"html": "…", "chars": n}``: the next finished Markdown block, rendered; it
           replaces the first `n` characters of the text shown so far
``done``   ``{"stop_reason", "usage", "ttft", "chars"}``: the reply is complete
``error``  ``{"message": "…", "ending": "…"}``: one line saying why the reply is incomplete
=========  ==========================================================================

It is *pull-based*: the next event is taken from the SDK only after the one before has been
handed to the server, and the server's ``send`` waits while the client is not reading. A slow
client therefore slows the upstream read instead of filling the server's memory. When the
client goes away, the server cancels the relay; its ``finally`` closes the upstream stream
(so the API stops generating) and notes when, in the `RelayRecord` and the log.

    >>> page_says = {"messages": [{"role": "user", "content": "Hi"}]}
    >>> events = relay(client, sdk_request(page_says, MODEL), RelayLog())  # doctest: +SKIP
    >>> [event.event async for event in events]                            # doctest: +SKIP
    ['text', 'text', 'block', 'done']
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import anthropic
import anyio
from markdown_it import MarkdownIt
from sse_starlette import JSONServerSentEvent, ServerSentEvent

from ..events import aread_events
from ..failures import API_FAILURES
from ..i18n import message
from ..markdown_live import finished_length

MAX_TOKENS = 1024
"""What a relayed request asks for at most, by default: the server decides, not the page."""
CLOSE_TIMEOUT = 2.0
"""Seconds the relay waits for the upstream stream to close before giving up on it."""

LOGGER = logging.getLogger("streaming_course.web")

HTML_RENDERER = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
"""Renders finished blocks for the page. Raw HTML in a reply is escaped, never passed on:
the reply is text from outside the page, and the page inserts the result as HTML."""


@dataclass
class RelayRecord:
    """What happened to one relayed reply; times are `time.perf_counter()` seconds."""

    number: int
    started: float
    first_text_at: float | None = None
    disconnected_at: float | None = None  # when the server heard that the client left
    upstream_closed_at: float | None = None
    upstream_closed: bool = False  # the SDK's HTTP response was closed (no more generation)
    ending: str = "streaming"  # "complete", "error_event", "dropped", "truncated", "disconnected"
    events_sent: int = 0
    bytes_sent: int = 0  # the SSE bytes handed to the server so far
    chars_sent: int = 0  # characters of the reply's text sent so far

    @property
    def close_delay(self) -> float | None:
        """Seconds from the client's disconnect to the upstream stream being closed."""
        if self.disconnected_at is None or self.upstream_closed_at is None:
            return None
        return self.upstream_closed_at - self.disconnected_at


@dataclass
class RelayLog:
    """The relays so far and the server's log lines about them (the last `keep` of each)."""

    keep: int = 200
    records: deque[RelayRecord] = field(default_factory=deque)
    lines: deque[str] = field(default_factory=deque)

    def open(self) -> RelayRecord:
        """A record for a new relay."""
        number = (self.records[-1].number + 1) if self.records else 1
        record = RelayRecord(number=number, started=time.perf_counter())
        self._keep(self.records, record)
        return record

    def last_closed(self, timeout: float = 5.0) -> RelayRecord:
        """The last relay, once its upstream stream is closed (waits up to `timeout` s)."""
        deadline = time.monotonic() + timeout
        while not self.records or self.records[-1].upstream_closed_at is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no relay closed its upstream stream within {timeout} s")
            time.sleep(0.005)
        return self.records[-1]

    def note(self, key: str, **values: object) -> None:
        """Log the message `key` of the catalog's ``web`` section, and keep the line."""
        line = message(f"web.{key}", **values)
        LOGGER.info(line)
        self._keep(self.lines, line)

    def _keep(self, queue: deque, item: object) -> None:
        queue.append(item)
        while len(queue) > self.keep:
            queue.popleft()


class FinishedBlocks:
    """Cuts a streamed reply into finished Markdown blocks, each rendered to HTML once.

    Where a block ends is decided by `markdown_live.finished_length`, the function the
    notebook's live Markdown freezes its blocks with. A block is cut as soon as the text says
    it is over, so the blocks depend on the text alone, never on timing.

    >>> blocks = FinishedBlocks()
    >>> blocks.feed("# Hi\\n\\nThere <b>")
    [('<h1>Hi</h1>\\n', 6)]
    >>> blocks.close()
    [('<p>There &lt;b&gt;</p>\\n', 9)]
    """

    def __init__(self) -> None:
        self._open = ""  # the text after the blocks cut so far

    def feed(self, piece: str) -> list[tuple[str, int]]:
        """Add a piece of the reply; return the blocks it finished: (HTML, length)."""
        self._open += piece
        if "\n" not in self._open:  # a block ends only after a line does
            return []
        return self._cut(finished_length(self._open))

    def close(self) -> list[tuple[str, int]]:
        """The reply ended (or broke off): the rest, as the last block."""
        return self._cut(len(self._open))

    def _cut(self, length: int) -> list[tuple[str, int]]:
        if not length:
            return []
        markdown, self._open = self._open[:length], self._open[length:]
        # the length as JavaScript counts a string (UTF-16 units), for the page
        units = len(markdown.encode("utf-16-le")) // 2
        return [(HTML_RENDERER.render(markdown), units)]


def sdk_request(body: dict[str, Any], model: str, max_tokens: int = MAX_TOKENS) -> dict[str, Any]:
    """The SDK request the relay sends for a checked page request (see `app.read_request`).

    >>> sdk_request({"messages": [{"role": "user", "content": "Hi"}]}, "claude-haiku-5-5")
    ... # doctest: +NORMALIZE_WHITESPACE
    {'model': 'claude-haiku-5-5', 'max_tokens': 1024,
     'messages': [{'role': 'user', 'content': 'Hi'}]}
    """
    return {"model": model, "max_tokens": max_tokens, "messages": body["messages"]}


async def relay(
    client: anthropic.AsyncAnthropic,
    request: dict[str, Any],
    log: RelayLog,
    record: RelayRecord | None = None,
) -> AsyncIterator[ServerSentEvent]:
    """Stream the reply to `request` (SDK arguments) as the relay's server-sent events."""
    record = record or log.open()
    log.note("opened", number=record.number, messages=len(request["messages"]))
    stream = None
    try:
        stream = await client.messages.create(**request, stream=True)
        reader = aread_events(stream, started=record.started)
        blocks = FinishedBlocks()
        async for event in reader:
            if not event.text:
                continue
            if record.first_text_at is None:  # the reader's clock, started with the record
                record.first_text_at = record.started + event.at
            record.chars_sent += len(event.text)
            yield _event(record, "text", {"text": event.text})
            for html, chars in blocks.feed(event.text):
                yield _event(record, "block", {"html": html, "chars": chars})
        for html, chars in blocks.close():
            yield _event(record, "block", {"html": html, "chars": chars})
        outcome = reader.outcome
        record.ending = outcome.ending
        if outcome.complete:
            yield _event(record, "done", _figures(record, outcome))
        else:
            yield _event(
                record, "error", {"message": outcome.description, "ending": outcome.ending}
            )
    except Exception as error:  # before any text (a 429, a bad key...), or a bug: one line
        if not isinstance(error, API_FAILURES):
            LOGGER.exception("relay #%d failed", record.number)
        record.ending = "failed"
        yield _event(record, "error", {"message": _one_line(error), "ending": "failed"})
    finally:
        await _close_upstream(stream, record, log)


def note_disconnect(record: RelayRecord, log: RelayLog) -> None:
    """The server heard that the client went away (tab closed, Stop pressed).

    After a finished reply the server hears it too, when the client closes the connection:
    only a departure while the reply streams counts.
    """
    if record.ending != "streaming":
        return
    record.disconnected_at = time.perf_counter()
    record.ending = "disconnected"
    log.note("disconnected", number=record.number, chars=record.chars_sent)


async def _close_upstream(stream: Any, record: RelayRecord, log: RelayLog) -> None:
    """Close the SDK's stream, even while the relay is being cancelled, and note it."""
    if record.ending == "streaming":  # cancelled before the server reported the disconnect:
        record.ending = "disconnected"  # the cancellation is how the relay heard of it
        record.disconnected_at = time.perf_counter()
    if stream is not None:
        with anyio.move_on_after(CLOSE_TIMEOUT, shield=True):
            await stream.close()  # closes the HTTP response: the API stops generating
        record.upstream_closed = stream.response.is_closed
    closed_at = time.perf_counter()
    if record.ending == "disconnected":
        delay = closed_at - (record.disconnected_at or closed_at)
        log.note(
            "upstream_closed_early",
            number=record.number,
            chars=record.chars_sent,
            delay_ms=delay * 1000,
        )
    else:
        seconds = closed_at - record.started
        log.note("finished", number=record.number, ending=record.ending, seconds=seconds)
    record.upstream_closed_at = closed_at  # last: `last_closed` waits for it, the log line is in


def _event(record: RelayRecord, name: str, data: dict[str, Any]) -> ServerSentEvent:
    record.events_sent += 1
    event = JSONServerSentEvent(data, event=name, id=str(record.events_sent), sep="\n")
    record.bytes_sent += len(event.encode())
    return event


def _figures(record: RelayRecord, outcome: Any) -> dict[str, Any]:
    usage = outcome.usage
    ttft = None if record.first_text_at is None else round(record.first_text_at - record.started, 4)
    return {
        "stop_reason": outcome.stop_reason,
        "usage": {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens},
        "ttft": ttft,
        "chars": record.chars_sent,
    }


def _one_line(error: BaseException) -> str:
    """What went wrong before any text came, in one line (it never holds a header's value)."""
    detail = getattr(error, "message", None) or str(error) or type(error).__name__
    return message("web.upstream_failed", error=type(error).__name__, detail=detail.splitlines()[0])
