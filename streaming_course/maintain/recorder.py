"""Record live exchanges with the API as fixtures, with the real timing of every event.

The request goes through the real SDK over the network; a `WireTap` under it notes each
line of the response and the second it arrived. Nothing secret is written: the request
body never holds the key, of the response headers only the retry hints are kept (no auth
headers, request ids or organization ids), and a body that echoes the request's headers
(a proxy's 401 page) is scrubbed (see `streaming_course.redact`).

What can go wrong is reported, never half-saved:

- a connection that drops mid-stream is recorded as far as it came, ending in
  ``: t=… disconnect`` (the fixture format's way to replay a drop);
- an answer the fixture loader would refuse (an HTML error page, a 200 that is not JSON or
  SSE) is not saved: the result says what came back instead;
- an error answer (a 529, a drop) never replaces a good recording already at that path;
- the file is written atomically (`Fixture.save`), so an interrupted write leaves an
  earlier file byte for byte as it was.

    >>> recorder = Recorder()                                                  # doctest: +SKIP
    >>> result = recorder.record_to({"model": "claude-haiku-5-5", "max_tokens": 64,
    ...     "stream": True, "messages": [{"role": "user", "content": "Hi"}]},
    ...     Path("recordings/hi.sse"))                                          # doctest: +SKIP
    >>> print(result.line)                                                     # doctest: +SKIP
    recorded recordings/hi.sse (200, 9 events, 0.84 s)
    >>> results = recorder.record_many([Path("a.sse")], Path("new"))  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anthropic
import httpx2

from ..redact import error_line, redact
from ..replay.fixture import Fixture, FixtureError, TimedEvent, load_fixture, parse_fixture
from ..replay.tap import WireRecord, WireTap

KEPT_RESPONSE_HEADERS = ("retry-after", "retry-after-ms")


class RecordingError(RuntimeError):
    """The exchange could not be recorded; the message says why and what to do."""


@dataclass(frozen=True)
class RecordResult:
    """What became of one recording: saved or not, and one line saying so."""

    path: Path
    saved: bool
    complete: bool  # saved, and the whole reply arrived (200, message_stop, no drop)
    line: str
    fixture: Fixture | None = None

    @property
    def ok(self) -> bool:
        """True when a complete recording was saved (what the exit code reflects)."""
        return self.saved and self.complete


class Recorder:
    """A live client with a `WireTap` under it, turning each exchange into a fixture.

    Retries are off, so one recording is one exchange. The key and the address come from
    the usual places (``ANTHROPIC_API_KEY``, ``ANTHROPIC_BASE_URL``) or `client_options`
    (``timeout=`` too).
    """

    def __init__(self, **client_options: Any) -> None:
        self.tap = WireTap(httpx2.HTTPTransport())
        self.client = anthropic.Anthropic(
            http_client=httpx2.Client(transport=self.tap), max_retries=0, **client_options
        )

    def record(self, request: dict[str, Any]) -> Fixture:
        """Send `request` and return what came back as a fixture the loader accepts.

        Errors from the API are recorded too (a 429 is a fine fixture), and so is a stream
        that drops part-way. Raises `RecordingError` when nothing usable came back.
        """
        before = len(self.tap.records)
        try:
            response = self.client.messages.create(**request)
            if request.get("stream"):
                for _event in response:
                    pass
        except anthropic.APIConnectionError as error:
            if len(self.tap.records) == before:
                cause = error.__cause__ or error
                raise RecordingError(
                    f"Could not reach the API ({error_line(cause)}): check the network and "
                    "ANTHROPIC_BASE_URL, then record again."
                ) from None
        except (anthropic.APIError, httpx2.TransportError):
            pass  # an error answer, or a drop mid-body: the wire record holds what came
        if len(self.tap.records) == before:
            raise RecordingError("Nothing came back from the API: check the network and retry.")
        fixture = fixture_from_wire(self.tap.records[-1], secrets=(self.client.api_key,))
        _check_loadable(fixture, self.tap.records[-1])
        return fixture

    def record_to(self, request: dict[str, Any], path: Path) -> RecordResult:
        """Record `request` into `path`; never raises for what the API or network did."""
        try:
            fixture = self.record(request)
        except RecordingError as error:
            return RecordResult(path, False, False, f"not recorded {path}: {error}")
        return save_recording(fixture, path)

    def record_many(self, sources: Iterable[Path], out: Path) -> list[RecordResult]:
        """Re-record the request of each fixture in `sources` into folder `out`, same name.

        One failure does not stop the others: each gets its `RecordResult`.
        """
        results = []
        for source in sources:
            try:
                request = load_fixture(source).request
            except FixtureError as error:
                line = f"not recorded {out / source.name}: {error}"
                results.append(RecordResult(out / source.name, False, False, line))
                continue
            results.append(self.record_to(request, out / source.name))
        return results


def save_recording(fixture: Fixture, path: Path) -> RecordResult:
    """Save `fixture` at `path` atomically, unless that would replace a good recording with
    a worse one (an error answer, or a drop); return what happened in one line."""
    complete = is_complete(fixture)
    summary = _summary(fixture)
    if not complete and path.exists() and _holds_complete_recording(path):
        line = (
            f"not recorded {path}: the API answered {summary}; the good recording "
            "already there was kept. Record again later."
        )
        return RecordResult(path, False, False, line, fixture)
    fixture.save(path)
    return RecordResult(path, True, complete, f"recorded {path} ({summary})", fixture)


def is_complete(fixture: Fixture) -> bool:
    """True for a 200 answer that arrived whole: a JSON body, or a stream to message_stop."""
    if fixture.status != 200:
        return False
    if fixture.body_kind == "json":
        return True
    types = [event.type for event in fixture.events]
    return fixture.dropped_at is None and "message_stop" in types and "error" not in types


def fixture_from_wire(record: WireRecord, secrets: Iterable[str | None] = ()) -> Fixture:
    """Turn what a `WireTap` saw into a fixture (SSE events or a JSON body, with timing).

    Keys and header values in the body (`secrets`, and anything shaped like one) are
    replaced by ``[redacted]``.
    """
    secrets = tuple(secrets)
    headers = {
        name: value for name, value in record.headers.items() if name in KEPT_RESPONSE_HEADERS
    }
    is_sse = record.headers.get("content-type", "").startswith("text/event-stream")
    fixture = Fixture(request=record.request, status=record.status, headers=headers)
    if not is_sse:
        fixture.body_kind = "json"
        body = "\n".join(line.text for line in record.lines) + "\n"
        fixture.json_body = redact(body, *secrets)
        fixture.latency = round(record.finished_at or 0.0, 3)
        return fixture
    fixture.events = _events_from_lines(record, secrets)
    if record.error is not None:
        fixture.dropped_at = round(max(record.finished_at or 0.0, fixture.duration), 3)
    return fixture


def _events_from_lines(record: WireRecord, secrets: tuple[str | None, ...]) -> list[TimedEvent]:
    """Group wire lines into events (a blank line ends one); an event's time is its first line's.

    After a drop, an event whose blank line never came is left out: the SDK never saw it.
    """
    events: list[TimedEvent] = []
    block: list[str] = []
    started_at = 0.0

    def event(terminated: bool) -> TimedEvent:
        wire = redact("\n".join(block) + "\n", *secrets)
        return TimedEvent(at=round(started_at, 3), wire=wire, terminated=terminated)

    for line in record.lines:
        if line.text == "":
            if block:
                events.append(event(terminated=True))
            block = []
            continue
        if line.text.startswith(":"):
            continue  # the API's own SSE comments carry nothing to replay
        if not block:
            started_at = line.at
        block.append(line.text)
    if block and record.error is None:
        events.append(event(terminated=False))
    return events


def _check_loadable(fixture: Fixture, record: WireRecord) -> None:
    """Refuse, in one line, a fixture the loader would refuse (e.g. an HTML error page)."""
    try:
        parse_fixture(fixture.to_text(), source="the answer")
    except FixtureError:
        kind = record.headers.get("content-type", "no content-type").split(";")[0]
        raise RecordingError(
            f"the API answered {record.status} with {kind}, not JSON or an event stream "
            "(a proxy or gateway may have answered): nothing saved. Check ANTHROPIC_BASE_URL, "
            "or record again later."
        ) from None


def _holds_complete_recording(path: Path) -> bool:
    try:
        return is_complete(load_fixture(path))
    except FixtureError:
        return False  # an unreadable file is no recording worth keeping


def _summary(fixture: Fixture) -> str:
    """``200, 57 events, 1.23 s``, and how it ended when it did not end well."""
    parts = [str(fixture.status)]
    if fixture.body_kind == "sse":
        parts.append(f"{len(fixture.events)} events")
    parts.append(f"{fixture.duration:.2f} s")
    if fixture.dropped_at is not None:
        parts.append(f"the connection dropped at {fixture.dropped_at:.2f} s")
    elif fixture.body_kind == "sse" and not is_complete(fixture):
        parts.append("no message_stop")
    if fixture.body_kind == "json" and fixture.status != 200:
        error_type = _error_type(fixture.json_body)
        if error_type:
            parts.append(error_type)
    return ", ".join(parts)


def _error_type(body: str) -> str | None:
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    return error.get("type") if isinstance(error, dict) else None
