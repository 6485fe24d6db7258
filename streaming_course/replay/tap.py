"""A transport wrapper that notes every line of every response body, and when it arrived.

The SDK hides part of what the API sends (it drops `ping` events, for instance). The tap
sits under the SDK and keeps the raw lines, so the course can show the wire as it was,
and the recorder can write fixtures with real timing. It wraps any transport: the replay
one, or the real network one in live mode.

    >>> tap = WireTap(httpx2.HTTPTransport())                       # doctest: +SKIP
    >>> client = anthropic.Anthropic(http_client=httpx2.Client(transport=tap))  # doctest: +SKIP
    >>> stream = client.messages.create(..., stream=True)          # doctest: +SKIP
    >>> wire_of(stream).lines[:2]                                   # doctest: +SKIP
    [WireLine(at=0.51, text='event: message_start'), WireLine(at=0.51, text='data: {...}')]
"""

from __future__ import annotations

import codecs
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx2

from ..redact import redact
from .fixture import sse_lines

WIRE_EXTENSION = "streaming_course.wire"


@dataclass(frozen=True)
class WireLine:
    """One line of a response body (without its line ending), `at` seconds after the request.

    Lines end at CRLF, CR or LF, as an SSE reader splits them.
    """

    at: float
    text: str


@dataclass
class WireRecord:
    """Everything one exchange put on the wire: the request, then the response as it came."""

    request: dict[str, Any]
    status: int
    headers: dict[str, str]
    started: float
    lines: list[WireLine] = field(default_factory=list)
    finished_at: float | None = None  # when the body ended (None: still open)
    error: BaseException | None = None  # what broke the body, if anything
    listeners: list[Callable[[WireLine], None]] = field(default_factory=list)

    def add(self, text: str) -> None:
        line = WireLine(at=time.monotonic() - self.started, text=text)
        self.lines.append(line)
        for listener in self.listeners:
            listener(line)


def wire_of(stream: Any) -> WireRecord | None:
    """The `WireRecord` behind an SDK stream or response, if its client has a tap."""
    response = getattr(stream, "response", None) or getattr(stream, "http_response", None)
    extensions = getattr(response, "extensions", None) or {}
    return extensions.get(WIRE_EXTENSION)


class WireTap(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """Wrap `inner` and attach a `WireRecord` to each response (see `wire_of`)."""

    def __init__(self, inner: httpx2.BaseTransport | httpx2.AsyncBaseTransport) -> None:
        self.inner = inner
        self.records: list[WireRecord] = []

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        started = time.monotonic()
        with _redacted_errors():
            response = self.inner.handle_request(request)  # type: ignore[union-attr]
        record = self._record(request, response, started)
        response.stream = _TappedBody(response.stream, record)
        return response

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        started = time.monotonic()
        with _redacted_errors():
            response = await self.inner.handle_async_request(request)  # type: ignore[union-attr]
        record = self._record(request, response, started)
        response.stream = _TappedBody(response.stream, record)
        return response

    def _record(
        self, request: httpx2.Request, response: httpx2.Response, started: float
    ) -> WireRecord:
        try:
            body = json.loads(request.content or b"{}")
        except (json.JSONDecodeError, httpx2.RequestNotRead):
            body = {}
        record = WireRecord(body, response.status_code, dict(response.headers), started)
        response.extensions = {**response.extensions, WIRE_EXTENSION: record}
        self.records.append(record)
        return record

    def close(self) -> None:
        self.inner.close()  # type: ignore[union-attr]

    async def aclose(self) -> None:
        await self.inner.aclose()  # type: ignore[union-attr]


@contextmanager
def _redacted_errors() -> Iterator[None]:
    """Re-raise a protocol error without the header value it quotes (it can hold the key)."""
    try:
        yield
    except httpx2.LocalProtocolError as error:
        cleaned = redact(str(error))
        if cleaned == str(error):
            raise
        raise httpx2.LocalProtocolError(cleaned) from None


class _TappedBody(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    """Pass the body's bytes through unchanged, noting each complete line on the way."""

    def __init__(self, inner: Any, record: WireRecord) -> None:
        self.inner = inner
        self.record = record
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""

    def __iter__(self) -> Iterator[bytes]:
        try:
            for chunk in self.inner:
                self._note(chunk)
                yield chunk
        except BaseException as error:
            self.record.error = error
            raise
        finally:
            self._finish()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self.inner:
                self._note(chunk)
                yield chunk
        except BaseException as error:
            self.record.error = error
            raise
        finally:
            self._finish()

    def _note(self, chunk: bytes) -> None:
        text = self._pending + self._decoder.decode(chunk)
        # A CR at the end may be the first half of a CRLF: keep it until the next chunk.
        held = "\r" if text.endswith("\r") else ""
        *complete, rest = sse_lines(text.removesuffix("\r"))
        self._pending = rest + held
        for line in complete:
            self.record.add(line)

    def _finish(self) -> None:
        text = self._pending + self._decoder.decode(b"", final=True)
        self._pending = ""
        *complete, rest = sse_lines(text)
        for line in [*complete, rest] if rest else complete:
            self.record.add(line)
        if self.record.finished_at is None:
            self.record.finished_at = time.monotonic() - self.record.started

    def close(self) -> None:
        self.inner.close()

    async def aclose(self) -> None:
        await self.inner.aclose()
