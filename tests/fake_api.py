"""A stand-in for the Messages API on 127.0.0.1, for the classroom gateway's tests.

It streams real SSE over a real socket with real delays, checks the key it is given, and
misbehaves on purpose. The last user message of a request is ``"<student> turn <n> <mode>"``
and the reply's text starts ``"Reply to <student> turn <n>:"``, so a reply delivered to the
wrong student shows. Modes:

- ``ok``: a complete stream;
- ``overload``: 529 before the stream on the first attempt, then a complete stream;
- ``error``: an ``event: error`` (overloaded) after a few deltas;
- ``drop``: the connection closed after a few deltas, without the end of the body;
- ``leak``: a 400 whose message and headers carry the key (what the gateway must scrub);
- ``slow``: a complete stream at a third of the pace.

It also rate-limits: more than `max_streams` replies at once get a 429 with ``retry-after-ms``.
Every request is kept in `requests`, with the time its first byte left (`first_byte_at`).
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAILING_MODES = ("error", "drop")


@dataclass
class Seen:
    """One request as the stand-in received and answered it."""

    path: str
    headers: dict[str, str]
    student: str = ""
    turn: int = -1
    mode: str = ""
    status: int = 0
    outcome: str = ""  # complete, http_error, error_event, dropped, client_gone
    output_tokens: int = 0
    message_id: str = ""
    first_byte_at: float | None = None
    last_byte_at: float | None = None


def reply_pieces(student: str, turn: int, words: int) -> list[str]:
    """The text deltas the stand-in streams for a student's turn; the first names the turn."""
    return [f"Reply to {student} turn {turn}:", *(f" w{turn}x{i}" for i in range(words))]


def reply_text(student: str, turn: int, words: int) -> str:
    """The full text the stand-in streams for a student's turn."""
    return "".join(reply_pieces(student, turn, words))


@dataclass
class FakeAPI:
    """The stand-in's behaviour and its record of requests."""

    api_key: str
    max_streams: int = 24
    words: int = 12
    delta_delay: float = 0.07
    first_delay: float = 0.05
    requests: list[Seen] = field(default_factory=list)
    url: str = ""
    _active: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def by_student(self, student: str) -> list[Seen]:
        with self._lock:
            return [seen for seen in self.requests if seen.student == student]

    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    def attempts(self, student: str, turn: int) -> int:
        with self._lock:
            return sum(1 for s in self.requests if (s.student, s.turn) == (student, turn))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # each event leaves when written, as from a real server
    api: FakeAPI

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._record_and_answer()

    def do_POST(self) -> None:
        self._record_and_answer()

    def _record_and_answer(self) -> None:
        api = self.api
        body = self.rfile.read(int(self.headers.get("content-length", 0) or 0))
        seen = Seen(path=self.path, headers={k.lower(): v for k, v in self.headers.items()})
        with api._lock:
            api.requests.append(seen)
        request = json.loads(body or b"{}")
        seen.student, seen.turn, seen.mode = _tag(request)
        keys = {seen.headers.get("x-api-key"), seen.headers.get("authorization", "")[7:]}
        if api.api_key not in keys:
            return self._error(seen, 401, "authentication_error", "invalid x-api-key")
        if self.path.startswith("/v1/messages/count_tokens"):
            return self._json(seen, 200, {"input_tokens": 17})
        if seen.mode == "leak":
            text = f"invalid request for key {api.api_key}"
            return self._error(
                seen, 400, "invalid_request_error", text, {"x-debug-key": api.api_key}
            )
        if seen.mode == "overload" and api.attempts(seen.student, seen.turn) == 1:
            return self._error(
                seen, 529, "overloaded_error", "Overloaded", {"retry-after-ms": "50"}
            )
        with api._lock:
            busy = api._active >= api.max_streams
            api._active += 0 if busy else 1
        if busy:
            headers = {"retry-after-ms": "500", "retry-after": "1"}
            return self._error(seen, 429, "rate_limit_error", "Too many streams", headers)
        try:
            if request.get("stream"):
                self._stream(seen, request)
            else:
                self._whole(seen, request)
        finally:
            with api._lock:
                api._active -= 1

    def _stream(self, seen: Seen, request: dict) -> None:
        api = self.api
        delay = api.delta_delay * (3 if seen.mode == "slow" else 1)
        seen.message_id = f"msg_{seen.student}_{seen.turn}_{api.attempts(seen.student, seen.turn)}"
        pieces = reply_pieces(seen.student, seen.turn, api.words)
        seen.output_tokens = 1  # what message_start says, until message_delta is sent
        events = _events(seen, request, pieces)
        cut = 4 if seen.mode in FAILING_MODES else None
        time.sleep(api.first_delay)
        seen.status = 200
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("request-id", f"req_{seen.message_id}")
        self.send_header("anthropic-organization-id", "org-not-for-students")
        self.send_header("x-echo-key", api.api_key)
        self.end_headers()
        try:
            for number, event in enumerate(events):
                if number == cut:
                    if seen.mode == "drop":
                        seen.outcome = "dropped"
                        self.wfile.flush()
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                        return
                    error = {"type": "error", "error": {"type": "overloaded_error", "message": "x"}}
                    self._chunk(f"event: error\ndata: {json.dumps(error)}\n\n".encode())
                    seen.outcome = "error_event"
                    break
                if number == 0:
                    seen.first_byte_at = time.monotonic()
                else:
                    time.sleep(delay)
                self._chunk(event)
                seen.last_byte_at = time.monotonic()
            if not seen.outcome:
                seen.outcome, seen.output_tokens = "complete", len(pieces)
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            seen.outcome = "client_gone"
            self.close_connection = True

    def _whole(self, seen: Seen, request: dict) -> None:
        """A reply that is not streamed: the whole message as one JSON body."""
        seen.message_id = (
            f"msg_{seen.student}_{seen.turn}_{self.api.attempts(seen.student, seen.turn)}"
        )
        pieces = reply_pieces(seen.student, seen.turn, self.api.words)
        time.sleep(self.api.first_delay + self.api.delta_delay * len(pieces))
        seen.output_tokens = len(pieces)
        body = {
            "id": seen.message_id,
            "type": "message",
            "role": "assistant",
            "model": request.get("model", "claude-haiku-5-5"),
            "content": [{"type": "text", "text": "".join(pieces)}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 9, "output_tokens": len(pieces)},
        }
        self._json(seen, 200, body)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _json(self, seen: Seen, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        seen.status = status
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        seen.first_byte_at = time.monotonic()
        self.wfile.write(data)
        seen.outcome = "complete" if status == 200 else "http_error"

    def _error(self, seen: Seen, status: int, kind: str, text: str, headers: dict | None = None):
        self._json(
            seen, status, {"type": "error", "error": {"type": kind, "message": text}}, headers
        )


def _tag(request: dict) -> tuple[str, int, str]:
    """(student, turn, mode) from the last user message ``"<student> turn <n> <mode>"``."""
    try:
        content = request["messages"][-1]["content"]
        text = content if isinstance(content, str) else content[0]["text"]
        student, _, turn, mode = text.split()
        return student, int(turn), mode
    except (KeyError, IndexError, TypeError, ValueError):
        return "", -1, ""


def _events(seen: Seen, request: dict, pieces: list[str]) -> list[bytes]:
    def event(kind: str, payload: dict) -> bytes:
        return f"event: {kind}\ndata: {json.dumps({'type': kind, **payload})}\n\n".encode()

    message = {
        "id": seen.message_id,
        "type": "message",
        "role": "assistant",
        "model": request.get("model", "claude-haiku-5-5"),
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 9, "output_tokens": 1},
    }
    block = {"type": "text", "text": ""}
    return [
        event("message_start", {"message": message}),
        event("content_block_start", {"index": 0, "content_block": block}),
        event("ping", {}),
        *(
            event("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": p}})
            for p in pieces
        ),
        event("content_block_stop", {"index": 0}),
        event(
            "message_delta",
            {
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": len(pieces)},
            },
        ),
        event("message_stop", {}),
    ]


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default backlog of 5 drops connections from a crowd
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client hanging up is normal
            super().handle_error(request, client_address)


@contextmanager
def serve_fake_api(api: FakeAPI) -> Iterator[FakeAPI]:
    """Run the stand-in on a free port of 127.0.0.1 until the block ends."""
    handler = type("Handler", (_Handler,), {"api": api})
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
