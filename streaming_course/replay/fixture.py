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

Captures made by other tools are read too: plain SSE (as ``curl -N`` saves it, with CRLF,
CR or LF line endings and an optional byte-order mark), the same with the HTTP status line
and headers in front (``curl -i``), and a JSON error body on its own. The bytes are served as
the file holds them: an event without the blank line that ends it (a file cut short) is sent
unfinished, so the SDK never yields it, exactly as it would not from the network.

    >>> fixture = parse_fixture(': t=0.512\\nevent: ping\\ndata: {"type": "ping"}\\n\\n')
    >>> fixture.events[0].at, fixture.events[0].type
    (0.512, 'ping')
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAGIC = ": streaming-course fixture v1"
MESSAGES_ENDPOINT = "/v1/messages"  # the default; others get an `: endpoint:` line
_MAGIC_PREFIX = ": streaming-course fixture"
MAX_SECONDS = 3600.0
"""The latest time a fixture may give (an hour): later ones are typing mistakes."""
_TIME_LINE = re.compile(r"^: t=(?P<at>\S*)(?P<drop> disconnect)?\s*$")
_STATUS_LINE = re.compile(r"^HTTP/[\d.]+ (?P<status>\d{3})\b")
_ERROR_STATUSES = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "overloaded_error": 529,
}
"""The HTTP status the API sends with each error type: for a JSON error body saved alone."""
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
    terminated: bool = True  # False: the file ended before the blank line that ends an event

    @property
    def sent(self) -> bytes:
        """The bytes that go on the wire: the lines, then the blank line if the file had it."""
        return (self.wire + "\n" if self.terminated else self.wire).encode()

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
    endpoint: str = MESSAGES_ENDPOINT  # the API path it answers, e.g. /v1/messages/count_tokens
    path: Path | None = None

    @property
    def name(self) -> str:
        return self.path.stem if self.path else "(unsaved fixture)"

    @property
    def ends_mid_event(self) -> bool:
        """True when the file ends inside an event, which the SDK then never yields."""
        return bool(self.events) and not self.events[-1].terminated

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
        if self.endpoint != MESSAGES_ENDPOINT:
            lines.append(f": endpoint: {self.endpoint}")
        if self.body_kind == "json":
            lines.append(f": latency: {self.latency:.3f}")
        lines.append(": request:")
        request_json = json.dumps(self.request, indent=2, ensure_ascii=False, sort_keys=True)
        lines += [f":   {line}" for line in request_json.splitlines()]
        lines.append("")
        if self.body_kind == "json":
            return "\n".join(lines) + "\n" + self.json_body.rstrip("\n") + "\n"
        for event in self.events:
            lines += [f": t={event.at:.3f}", event.wire.rstrip("\n")]
            if event.terminated:
                lines.append("")
        if self.dropped_at is not None:
            lines.append(f": t={self.dropped_at:.3f} disconnect")
        return "\n".join(lines) + "\n"

    def save(self, path: Path) -> Path:
        """Write the file atomically: a failure part-way leaves any earlier file as it was."""
        path.parent.mkdir(parents=True, exist_ok=True)
        text = self.to_text()
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
        ) as file:
            temporary = Path(file.name)
        try:
            temporary.write_text(text, encoding="utf-8")
            os.chmod(temporary, _file_mode(path))  # a temporary file starts private (0600)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
        self.path = path
        return path


MAX_FILE_BYTES = 64 * 1024 * 1024
"""The largest file read as a fixture (a recording is a few KB to a few MB)."""


def load_fixture(path: Path) -> Fixture:
    """Read a fixture file, or any plain SSE file (as captured with curl, no timing)."""
    try:
        if not path.is_file():
            what = "is a folder" if path.is_dir() else "is not a regular file"
            if not path.exists():
                what = "does not exist"
            raise FixtureError(f"{path} {what}: give the path of a .sse or .http file.")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise FixtureError(f"{path} is over {MAX_FILE_BYTES >> 20} MB: not a recording.")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise FixtureError(f"{path}: not UTF-8 text ({error.reason}).") from None
    except OSError as error:
        raise FixtureError(f"{path}: cannot be read ({error.strerror}).") from None
    fixture = parse_fixture(text, source=str(path))
    fixture.path = path
    return fixture


def parse_fixture(text: str, source: str = "<text>") -> Fixture:
    """Parse the file format; a plain SSE text without our header is read as a stream."""
    text = text.removeprefix("\ufeff")
    lines = sse_lines(text)
    first = lines[0].strip()
    if first == MAGIC:
        fixture, body_start = _parse_header(lines, source)
    elif first.startswith(_MAGIC_PREFIX):
        raise FixtureError(
            f"{source}:1: {first[2:]!r} is not a format this course reads (it reads"
            f" {MAGIC[2:]!r}): update the course, or record the file again."
        )
    elif _STATUS_LINE.match(first):
        fixture, body_start = _parse_http_head(lines, source)
    elif first.startswith(("{", "[")):
        fixture, body_start = _json_capture(text, source), 0
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
        elif key == "endpoint" and value.startswith("/"):
            fixture.endpoint = value
        elif key == "request":
            request_line_no = number
        else:
            raise FixtureError(f"{source}:{number}: cannot read {key!r} = {value!r}.")
    return _finish_header(fixture, request_lines, request_line_no, source), number


def _file_mode(path: Path) -> int:
    """The mode the saved file gets: the old file's, else what the umask allows."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _parse_http_head(lines: list[str], source: str) -> tuple[Fixture, int]:
    """The status line and headers `curl -i` puts before the body."""
    match = _STATUS_LINE.match(lines[0])
    assert match is not None
    fixture = Fixture(request={}, status=int(match["status"]))
    for number, line in enumerate(lines[1:], start=1):
        if not line.strip():
            return fixture, number + 1
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-type" and "json" in value:
            fixture.body_kind = "json"
    raise FixtureError(f"{source}: the HTTP headers have no blank line after them.")


def _json_capture(text: str, source: str) -> Fixture:
    """A JSON body saved alone: an error answer gets the status the API sends with it."""
    try:
        body = json.loads(text)
    except json.JSONDecodeError as bad:
        where = f"{source}:{bad.lineno}"
        raise FixtureError(f"{where}: the body is not valid JSON ({bad.msg}).") from None
    details = body.get("error") if isinstance(body, dict) else None
    error_type = details.get("type") if isinstance(details, dict) else None
    status = _ERROR_STATUSES.get(error_type, 500) if isinstance(error_type, str) else 200
    return Fixture(request={}, status=status, body_kind="json")


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

    def flush(terminated: bool = True) -> None:
        fields = [(number, line) for number, line in block if not line.startswith(":")]
        if fields:
            wire = "\n".join(line for _, line in fields) + "\n"
            event = TimedEvent(at=at, wire=wire, terminated=terminated)
            if terminated:  # a cut-off last event may hold half a line of JSON
                data_line = next((n for n, ln in fields if ln.startswith("data:")), fields[0][0])
                _check_event(event, source, data_line)
            fixture.events.append(event)
        block.clear()

    body = lines[start:]
    if body and body[-1] == "":  # the file's final line break
        body.pop()
    for number, line in enumerate(body, start=start + 1):
        timing = _TIME_LINE.match(line)
        if timing:
            flush()
            at = _check_time(timing["at"], at, source, number)
            if timing["drop"]:
                fixture.dropped_at = at
            continue
        if fixture.dropped_at is not None and line.strip():
            raise FixtureError(f"{source}:{number}: nothing may follow a disconnect.")
        if line.strip() == "":
            flush()
        else:
            block.append((number, line))
    flush(terminated=False)


def _check_time(text: str, previous: float, source: str, number: int) -> float:
    """The seconds a ``: t=`` line gives: a number from `previous` up to `MAX_SECONDS`."""
    try:
        at = float(text)
    except ValueError:
        at = math.nan
    if not math.isfinite(at) or at < 0:
        raise FixtureError(f"{source}:{number}: 't={text}' is not a time in seconds (e.g. t=0.5).")
    if at > MAX_SECONDS:
        raise FixtureError(f"{source}:{number}: t={text} is more than an hour: a typing mistake?")
    if at < previous:
        raise FixtureError(f"{source}:{number}: time goes backwards ({at} < {previous}).")
    return at


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
