"""An `httpx2` transport that answers the SDK's requests from recordings, at recorded pace.

It plugs in where the network would be, so every line of the SDK still runs: request
building, retries, error mapping, SSE decoding, the stream helpers.

    >>> import anthropic, httpx2
    >>> transport = ReplayTransport(FixtureLibrary.from_dirs([folder]), speed=1.0)  # doctest: +SKIP
    >>> client = anthropic.Anthropic(
    ...     api_key="replay", http_client=httpx2.Client(transport=transport)
    ... )  # doctest: +SKIP

Each event leaves the transport at its recorded second, divided by ``speed``
(1.0 = as recorded, 4 = four times faster, 0 = at once). The response headers arrive
with the first event, as they do from the API.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator

import httpx2

from .fixture import Fixture
from .library import FixtureLibrary, ReplayMiss

REPLAY_HEADER = "x-streaming-course-replay"

# Builds the labelled reply for a request no fixture matches (see `fallback.py`).
FallbackFactory = Callable[[dict], Fixture]


class ReplayTransport(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """Serve `/v1/messages` requests from a `FixtureLibrary`, sync or async."""

    def __init__(
        self,
        library: FixtureLibrary,
        speed: float = 1.0,
        strict: bool = False,
        fallback: FallbackFactory | None = None,
    ) -> None:
        self.library = library
        self.speed = speed
        self.strict = strict
        self.fallback = fallback

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        started = time.monotonic()
        fixture = self._fixture_for(request.read())
        body = PacedBody(fixture, started, self.speed)
        sleep_until(body.deadline(body.first_byte_at))
        return self._response(fixture, body, request)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        started = time.monotonic()
        fixture = self._fixture_for(await request.aread())
        body = PacedBody(fixture, started, self.speed)
        await async_sleep_until(body.deadline(body.first_byte_at))
        return self._response(fixture, body, request)

    def _fixture_for(self, raw_body: bytes) -> Fixture:
        request = json.loads(raw_body or b"{}")
        try:
            fixture = self.library.find(request, strict=self.strict)
        except ReplayMiss as miss:
            return _not_found(request, str(miss))
        if fixture is None and self.fallback is not None:
            fixture = self.fallback(request)
        return fixture or _not_found(request, self.library.describe_miss(request))

    @staticmethod
    def _response(fixture: Fixture, body: PacedBody, request: httpx2.Request) -> httpx2.Response:
        content_type = "text/event-stream" if fixture.body_kind == "sse" else "application/json"
        headers = {
            "content-type": content_type,
            **fixture.headers,
            REPLAY_HEADER: fixture.name,
        }
        return httpx2.Response(fixture.status, headers=headers, stream=body, request=request)


class PacedBody(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    """A response body that releases each recorded chunk at its (scaled) recorded time."""

    def __init__(self, fixture: Fixture, started: float, speed: float) -> None:
        self.started = started
        self.speed = speed
        self.dropped_at = fixture.dropped_at
        if fixture.body_kind == "json":
            self.chunks = [(fixture.latency, fixture.json_body.encode())]
        else:
            self.chunks = [(event.at, (event.wire + "\n").encode()) for event in fixture.events]
        self.first_byte_at = self.chunks[0][0] if self.chunks else (self.dropped_at or 0.0)

    def deadline(self, at: float) -> float:
        """The `time.monotonic()` at which something recorded at second `at` is due."""
        return self.started + (at / self.speed if self.speed else 0.0)

    def __iter__(self) -> Iterator[bytes]:
        for at, chunk in self.chunks:
            sleep_until(self.deadline(at))
            yield chunk
        if self.dropped_at is not None:
            sleep_until(self.deadline(self.dropped_at))
            raise _disconnect()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for at, chunk in self.chunks:
            await async_sleep_until(self.deadline(at))
            yield chunk
        if self.dropped_at is not None:
            await async_sleep_until(self.deadline(self.dropped_at))
            raise _disconnect()


def _disconnect() -> httpx2.RemoteProtocolError:
    return httpx2.RemoteProtocolError(
        "peer closed connection without sending complete message body (replayed disconnect)"
    )


def sleep_until(deadline: float) -> None:
    """Wait until `time.monotonic()` reaches `deadline` (at once if it has)."""
    delay = deadline - time.monotonic()
    if delay > 0:
        time.sleep(delay)


async def async_sleep_until(deadline: float) -> None:
    """Like `sleep_until`, without blocking the event loop."""
    delay = deadline - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)


def _not_found(request: dict, message: str) -> Fixture:
    """A 404 the SDK turns into `anthropic.NotFoundError` (not retried) carrying `message`."""
    body = {"type": "error", "error": {"type": "not_found_error", "message": message}}
    return Fixture(request=request, status=404, body_kind="json", json_body=json.dumps(body))
