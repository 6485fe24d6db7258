"""One recorded exchange with the Messages API, and its text file format.

A fixture is the request the SDK sent and the response the API gave. A streamed response
is kept as the server-sent events (SSE) the API sent, each preceded by an SSE comment
giving the second at which it arrived. Comments are ignored by every SSE reader, so the
file is still valid SSE. For example ``notebooks-02/haiku.sse``::

    : streaming-course fixture v1
    : status: 200
    : body: sse
    : header: request-id: req_replay_0001
    : request:
    :   {
    :     "max_tokens": 64,
    :     "messages": [{"content": "Hello", "role": "user"}],
    :     "stream": true
    :   }

    : t=0.512
    event: message_start
    data: {"type":"message_start","message":{...}}

    : t=0.540
    event: ping
    data: {"type": "ping"}

A ``: t=2.100 disconnect`` line instead of an event means the connection dropped then.
A non-streamed response has ``: body: json``, a ``: latency: 4.2`` line, and its JSON
body after the header; an HTTP error is the same with its status (429, 529…).

    >>> fixture = parse_fixture(SAMPLE_TEXT)      # doctest: +SKIP
    >>> fixture.events[0].at, fixture.events[0].type
    (0.512, 'message_start')
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAGIC = ": streaming-course fixture v1"
_TIME_LINE = re.compile(r"^: t=(?P<at>\d+(?:\.\d+)?)(?P<drop> disconnect)?\s*$")
_HEADER_FIELD = re.compile(r"^: (?P<key>[a-z-]+):(?: (?P<value>.*))?$")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # SSE's line endings only (not str.splitlines' others)


def sse_lines(text: str) -> list[str]:
    """Split `text` into lines the way an SSE reader does: at CRLF, CR or LF only."""
    return _LINE_BREAK.split(text)


class FixtureError(ValueError):
    """A fixture file cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class TimedEvent:
    """One SSE event as sent on the wire, and when it arrived (seconds after the request)."""

    at: float
    wire: str  # the event's lines, e.g. "event: ping\ndata: {...}\n", without the blank line

    @property
    def type(self) -> str:
        """The event's name: the `event:` field, else the `type` of its JSON data."""
        for line in sse_lines(self.wire):
            if line.startswith("event:"):
                return line[len("event:") :].strip()
        data = self.data
        return str(data.get("type", "message")) if isinstance(data, dict) else "message"

    @property
    def data(self) -> Any:
        """The event's `data:` lines, joined and parsed as JSON."""
        lines = [
            line[5:].removeprefix(" ") for line in sse_lines(self.wire) if line.startswith("data:")
        ]
        return json.loads("\n".join(lines)) if lines else None


@dataclass
class Fixture:
    """A recorded request and the response to replay for it."""

    request: dict[str, Any]
    status: int = 200
    body_kind: str = "sse"  # "sse" (a stream of events) or "json" (one body at once)
    headers: dict[str, str] = field(default_factory=dict)
    events: list[TimedEvent] = field(default_factory=list)
    dropped_at: float | None = None  # the connection broke at this second
    json_body: str = ""
    latency: float = 0.0  # json bodies: seconds until the whole response arrived
    path: Path | None = None

    @property
    def name(self) -> str:
        return self.path.stem if self.path else "(unsaved fixture)"

    @property
    def duration(self) -> float:
        """Seconds from the request to the last byte of the response."""
        if self.body_kind == "json":
            return self.latency
        ends = [event.at for event in self.events]
        if self.dropped_at is not None:
            ends.append(self.dropped_at)
        return max(ends, default=0.0)

    def to_text(self) -> str:
        """The fixture in its file format (see the module docstring)."""
        lines = [MAGIC, f": status: {self.status}", f": body: {self.body_kind}"]
        lines += [f": header: {name}: {value}" for name, value in self.headers.items()]
        if self.body_kind == "json":
            lines.append(f": latency: {self.latency:.3f}")
        lines.append(": request:")
        request_json = json.dumps(self.request, indent=2, ensure_ascii=False, sort_keys=True)
        lines += [f":   {line}" for line in request_json.splitlines()]
        lines.append("")
        if self.body_kind == "json":
            return "\n".join(lines) + "\n" + self.json_body.rstrip("\n") + "\n"
        for event in self.events:
            lines += [f": t={event.at:.3f}", event.wire.rstrip("\n"), ""]
        if self.dropped_at is not None:
            lines.append(f": t={self.dropped_at:.3f} disconnect")
        return "\n".join(lines) + "\n"

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_text(), encoding="utf-8")
        self.path = path
        return path


def load_fixture(path: Path) -> Fixture:
    """Read a fixture file, or any plain SSE file (as captured with curl, no timing)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise FixtureError(f"{path}: not UTF-8 text ({error.reason}).") from None
    fixture = parse_fixture(text, source=str(path))
    fixture.path = path
    return fixture


def parse_fixture(text: str, source: str = "<text>") -> Fixture:
    """Parse the file format; a plain SSE text without our header is read as a stream."""
    lines = sse_lines(text)
    if lines and lines[0].strip() == MAGIC:
        fixture, body_start = _parse_header(lines, source)
    else:
        fixture, body_start = Fixture(request={}), 0
    if fixture.body_kind == "json":
        fixture.json_body = "\n".join(lines[body_start:]).strip() + "\n"
        _check_json(fixture.json_body, source, body_start + 1)
    else:
        _parse_events(fixture, lines, body_start, source)
    return fixture


def _parse_header(lines: list[str], source: str) -> tuple[Fixture, int]:
    fixture = Fixture(request={})
    request_lines: list[str] = []
    request_line_no = 0
    number = 1
    for number, line in enumerate(lines[1:], start=2):
        if not line.startswith(":"):
            return _finish_header(fixture, request_lines, request_line_no, source), number - 1
        if request_line_no and (line.startswith(":   ") or line.strip() == ":"):
            request_lines.append(line[4:])
            continue
        match = _HEADER_FIELD.match(line)
        if not match:
            raise FixtureError(f"{source}:{number}: expected ': key: value', got {line!r}.")
        key, value = match["key"], (match["value"] or "").strip()
        if key == "status" and value.isdigit():
            fixture.status = int(value)
        elif key == "body" and value in ("sse", "json"):
            fixture.body_kind = value
        elif key == "latency" and _is_number(value):
            fixture.latency = float(value)
        elif key == "header" and ":" in value:
            name, _, header_value = value.partition(":")
            fixture.headers[name.strip()] = header_value.strip()
        elif key == "request":
            request_line_no = number
        else:
            raise FixtureError(f"{source}:{number}: cannot read {key!r} = {value!r}.")
    return _finish_header(fixture, request_lines, request_line_no, source), number


def _finish_header(
    fixture: Fixture, request_lines: list[str], line_no: int, source: str
) -> Fixture:
    if not line_no:
        raise FixtureError(f"{source}: the header has no ': request:' section.")
    try:
        fixture.request = json.loads("\n".join(request_lines))
    except json.JSONDecodeError as error:
        raise FixtureError(
            f"{source}:{line_no + error.lineno}: the request is not valid JSON ({error.msg})."
        ) from None
    return fixture


def _parse_events(fixture: Fixture, lines: list[str], start: int, source: str) -> None:
    at = 0.0
    block: list[tuple[int, str]] = []  # (line number, line) of the event being read

    def flush() -> None:
        fields = [(number, line) for number, line in block if not line.startswith(":")]
        if fields:
            event = TimedEvent(at=at, wire="\n".join(line for _, line in fields) + "\n")
            data_line = next((n for n, line in fields if line.startswith("data:")), fields[0][0])
            _check_event(event, source, data_line)
            fixture.events.append(event)
        block.clear()

    for number, line in enumerate(lines[start:], start=start + 1):
        timing = _TIME_LINE.match(line)
        if timing:
            flush()
            new_at = float(timing["at"])
            if new_at < at:
                raise FixtureError(f"{source}:{number}: time goes backwards ({new_at} < {at}).")
            at = new_at
            if timing["drop"]:
                fixture.dropped_at = at
            continue
        if fixture.dropped_at is not None and line.strip():
            raise FixtureError(f"{source}:{number}: nothing may follow a disconnect.")
        if line.strip() == "":
            flush()
        else:
            block.append((number, line))
    flush()


def _check_event(event: TimedEvent, source: str, line_no: int) -> None:
    try:
        event.data  # noqa: B018 - parsing is the check
    except json.JSONDecodeError as error:
        raise FixtureError(
            f"{source}:{line_no}: the event's data is not valid JSON ({error.msg})."
        ) from None


def _check_json(body: str, source: str, line_no: int) -> None:
    try:
        json.loads(body)
    except json.JSONDecodeError as error:
        raise FixtureError(
            f"{source}:{line_no + error.lineno - 1}: the body is not valid JSON ({error.msg})."
        ) from None


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True
