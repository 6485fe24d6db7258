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

A silence longer than the request's read timeout (the SDK passes it in
``request.extensions["timeout"]``) ends as a real socket's would: after that many
(scaled) seconds, `httpx2.ReadTimeout` — before the headers, the SDK retries it; in the
middle of the body it reaches the reader unwrapped. The timeout counts in recorded
seconds, so whether a stall trips it does not depend on ``speed``.

Requests to ``/v1/messages/count_tokens`` are answered from fixtures with that
``endpoint``; with a fallback (not strict), a request with none gets the synthesizer's
estimate, the figure the replayed replies' usage uses.

Two hooks let Bedrock's `AnthropicBedrock` replay be this transport with another envelope
(``bedrock/replay.py``): `wanted` says which Messages API request a request stands for, and
`wire` which bytes carry each recorded event (`event_stream_type` names them).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator

import httpx2

from .fallback import Fallback, find_or_fallback
from .fixture import MESSAGES_ENDPOINT, Fixture
from .library import FixtureLibrary
from .synth_endings import COUNT_TOKENS_ENDPOINT, count_tokens_fixture

REPLAY_HEADER = "x-streaming-course-replay"


class ReplayTransport(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """Serve `/v1/messages` requests from a `FixtureLibrary`, sync or async."""

    event_stream_type = "text/event-stream"  # the content type of a streamed reply

    def __init__(
        self,
        library: FixtureLibrary,
        speed: float = 1.0,
        strict: bool = False,
        fallback: Fallback | None = None,
    ) -> None:
        self.library = library
        self.speed = speed
        self.strict = strict
        self.fallback = fallback
        self._libraries: dict[str, FixtureLibrary] = {}  # other endpoints' fixtures

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        started = time.monotonic()
        request.read()
        fixture = self._fixture_for(*self.wanted(request))
        body = PacedBody(fixture, started, self.speed, read_timeout(request), self.wire(fixture))
        timed_out = body.header_timeout()
        if timed_out is not None:
            sleep_until(timed_out)
            raise body.timeout_error(request)
        sleep_until(body.deadline(body.first_byte_at))
        return self._response(fixture, body, request)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        started = time.monotonic()
        await request.aread()
        fixture = self._fixture_for(*self.wanted(request))
        body = PacedBody(fixture, started, self.speed, read_timeout(request), self.wire(fixture))
        timed_out = body.header_timeout()
        if timed_out is not None:
            await asleep_until(timed_out)
            raise body.timeout_error(request)
        await asleep_until(body.deadline(body.first_byte_at))
        return self._response(fixture, body, request)

    def wanted(self, request: httpx2.Request) -> tuple[bytes, str]:
        """The Messages API body and endpoint that `request` (already read) asks for."""
        return request.content, request.url.path

    def wire(self, fixture: Fixture) -> list[bytes] | None:
        """The bytes that carry each recorded event (None: its SSE record, as recorded)."""
        return None

    def _fixture_for(self, raw_body: bytes, endpoint: str = MESSAGES_ENDPOINT) -> Fixture:
        request = json.loads(raw_body or b"{}")
        fallback = self.fallback
        if fallback is not None and endpoint == COUNT_TOKENS_ENDPOINT:
            fallback = count_tokens_fixture
        found = find_or_fallback(
            self._library_for(endpoint),
            request,
            strict=self.strict,
            fallback=fallback,
            usable=lambda fixture: fixture.endpoint == endpoint,  # not another endpoint's
        )
        return found if isinstance(found, Fixture) else _not_found(request, found)

    def _library_for(self, endpoint: str) -> FixtureLibrary:
        """The messages library itself; for another endpoint, the fixtures that answer it."""
        if endpoint == MESSAGES_ENDPOINT or not endpoint.startswith(MESSAGES_ENDPOINT):
            return self.library
        if endpoint not in self._libraries:
            answers = [f for f in self.library.fixtures if f.endpoint == endpoint]
            self._libraries[endpoint] = FixtureLibrary(answers)
        return self._libraries[endpoint]

    def _response(
        self, fixture: Fixture, body: PacedBody, request: httpx2.Request
    ) -> httpx2.Response:
        content_type = self.event_stream_type if fixture.body_kind == "sse" else "application/json"
        headers = {
            "content-type": content_type,
            **fixture.headers,
            REPLAY_HEADER: fixture.name,
        }
        return httpx2.Response(fixture.status, headers=headers, stream=body, request=request)


class PacedBody(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    """A response body that releases each recorded chunk at its (scaled) recorded time.

    With a `read_timeout` (seconds), a gap between chunks longer than it raises
    `httpx2.ReadTimeout` that many seconds after the last chunk, as a socket would.
    `wire` replaces each event's SSE record with other bytes (Bedrock's frames).
    """

    def __init__(
        self,
        fixture: Fixture,
        started: float,
        speed: float,
        read_timeout: float | None = None,
        wire: list[bytes] | None = None,
    ) -> None:
        self.started = started
        self.speed = speed
        self.read_timeout = read_timeout
        self.dropped_at = fixture.dropped_at
        if fixture.body_kind == "json":
            self.chunks = [(fixture.latency, fixture.json_body.encode())]
        else:
            sent = wire if wire is not None else [event.sent for event in fixture.events]
            timed = zip(fixture.events, sent, strict=True)
            self.chunks = [(event.at, data) for event, data in timed]
        self.first_byte_at = self.chunks[0][0] if self.chunks else (self.dropped_at or 0.0)

    def deadline(self, at: float) -> float:
        """The `time.monotonic()` at which something recorded at second `at` is due."""
        return self.started + (at / self.speed if self.speed else 0.0)

    def header_timeout(self) -> float | None:
        """When the wait for the first byte times out (a deadline), or None if it does not."""
        return self._timeout_between(0.0, self.first_byte_at)

    def timeout_error(self, request: httpx2.Request | None = None) -> httpx2.ReadTimeout:
        return httpx2.ReadTimeout(
            f"The read operation timed out (replayed: nothing arrived for {self.read_timeout} s)",
            request=request,
        )

    def _timeout_between(self, last_at: float, next_at: float) -> float | None:
        if self.read_timeout is None or next_at - last_at <= self.read_timeout:
            return None
        return self.deadline(last_at + self.read_timeout)

    def _timeline(self) -> Iterator[tuple[float | None, bytes | None]]:
        """Each chunk (None: the disconnect) with when it is due; (None, None): a timeout."""
        last_at = self.first_byte_at
        steps: list[tuple[float, bytes | None]] = list(self.chunks)
        if self.dropped_at is not None:
            steps.append((self.dropped_at, None))
        for at, chunk in steps:
            if self._timeout_between(last_at, at) is not None:
                yield None, None
                return
            yield self.deadline(at), chunk
            last_at = at

    def _timeout_due(self) -> float:
        """A socket's read times out `read_timeout` after the read began (now), scaled."""
        assert self.read_timeout is not None
        return time.monotonic() + (self.read_timeout / self.speed if self.speed else 0.0)

    def __iter__(self) -> Iterator[bytes]:
        for due, chunk in self._timeline():
            if due is None:
                sleep_until(self._timeout_due())
                raise self.timeout_error()
            sleep_until(due)
            if chunk is None:
                raise _disconnect()
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for due, chunk in self._timeline():
            if due is None:
                await asleep_until(self._timeout_due())
                raise self.timeout_error()
            await asleep_until(due)
            if chunk is None:
                raise _disconnect()
            yield chunk


def read_timeout(request: httpx2.Request) -> float | None:
    """The read timeout the client set for this request (None: wait forever).

    >>> read_timeout(httpx2.Request("GET", "http://x", extensions={"timeout": {"read": 2.0}}))
    2.0
    """
    timeout = request.extensions.get("timeout") or {}
    return timeout.get("read")


def _disconnect() -> httpx2.RemoteProtocolError:
    return httpx2.RemoteProtocolError(
        "peer closed connection without sending complete message body (replayed disconnect)"
    )


def sleep_until(deadline: float) -> None:
    """Wait until `time.monotonic()` reaches `deadline` (at once if it has)."""
    delay = deadline - time.monotonic()
    if delay > 0:
        time.sleep(delay)


async def asleep_until(deadline: float) -> None:
    """Like `sleep_until`, without blocking the event loop.

    It always yields to the loop once, as a read from a socket does: other tasks (a Stop
    button's handler, a `task.cancel()`) get their turn between two chunks even when the
    replay is running late or at speed 0.
    """
    await asyncio.sleep(max(deadline - time.monotonic(), 0.0))


def _not_found(request: dict, message: str) -> Fixture:
    """A 404 the SDK turns into `anthropic.NotFoundError` (not retried) carrying `message`."""
    body = {"type": "error", "error": {"type": "not_found_error", "message": message}}
    return Fixture(request=request, status=404, body_kind="json", json_body=json.dumps(body))
