"""Record live exchanges with the API as fixtures, with the real timing of every event.

The request goes through the real SDK over the network; a `WireTap` under it notes each
line of the response and the second it arrived. Nothing secret is written: the request
body never holds the key, and of the response headers only the retry hints are kept
(no auth headers, request ids or organization ids).

    >>> fixture = Recorder().record({"model": "claude-haiku-5-5", "max_tokens": 64,
    ...     "stream": True, "messages": [{"role": "user", "content": "Hi"}]})  # doctest: +SKIP
    >>> fixture.save(Path("recordings/hi.sse"))                    # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import anthropic
import httpx2

from .fixture import Fixture, TimedEvent
from .tap import WireRecord, WireTap

KEPT_RESPONSE_HEADERS = ("retry-after", "retry-after-ms")


class RecordingError(RuntimeError):
    """The exchange could not be recorded; the message says why and what to do."""


class Recorder:
    """A live client with a `WireTap` under it, turning each exchange into a fixture.

    Retries are off, so one recording is one exchange. The key and the address come from
    the usual places (``ANTHROPIC_API_KEY``, ``ANTHROPIC_BASE_URL``) or `client_options`.
    """

    def __init__(self, **client_options: Any) -> None:
        self.tap = WireTap(httpx2.HTTPTransport())
        self.client = anthropic.Anthropic(
            http_client=httpx2.Client(transport=self.tap), max_retries=0, **client_options
        )

    def record(self, request: dict[str, Any]) -> Fixture:
        """Send `request` and return what came back as a fixture.

        Errors from the API are recorded too (a 429 is a fine fixture), so they are not raised.
        """
        before = len(self.tap.records)
        try:
            response = self.client.messages.create(**request)
            if request.get("stream"):
                for _event in response:
                    pass
        except anthropic.APIStatusError:
            pass  # the wire record holds the error response
        except anthropic.APIConnectionError as error:
            raise RecordingError(f"Could not reach the API ({error}): check the network.") from None
        if len(self.tap.records) == before:
            raise RecordingError("Nothing came back from the API: check the network and retry.")
        return fixture_from_wire(self.tap.records[-1])


def fixture_from_wire(record: WireRecord) -> Fixture:
    """Turn what a `WireTap` saw into a fixture (SSE events or a JSON body, with timing)."""
    headers = {
        name: value for name, value in record.headers.items() if name in KEPT_RESPONSE_HEADERS
    }
    is_sse = record.headers.get("content-type", "").startswith("text/event-stream")
    fixture = Fixture(request=record.request, status=record.status, headers=headers)
    if not is_sse:
        fixture.body_kind = "json"
        fixture.json_body = "\n".join(line.text for line in record.lines) + "\n"
        fixture.latency = round(record.finished_at or 0.0, 3)
        return fixture
    fixture.events = _events_from_lines(record)
    if record.error is not None:
        fixture.dropped_at = round(record.finished_at or fixture.duration, 3)
    return fixture


def _events_from_lines(record: WireRecord) -> list[TimedEvent]:
    """Group wire lines into events (a blank line ends one); an event's time is its first line's."""
    events: list[TimedEvent] = []
    block: list[str] = []
    started_at = 0.0
    for line in record.lines:
        if line.text == "":
            if block:
                events.append(TimedEvent(at=round(started_at, 3), wire="\n".join(block) + "\n"))
            block = []
            continue
        if line.text.startswith(":"):
            continue  # the API's own SSE comments carry nothing to replay
        if not block:
            started_at = line.at
        block.append(line.text)
    if block:
        events.append(TimedEvent(at=round(started_at, 3), wire="\n".join(block) + "\n"))
    return events
