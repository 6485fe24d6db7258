"""A real HTTP server on 127.0.0.1 that stands in for the Messages API in tests.

It answers each POST /v1/messages with the fixture it was given, over chunked HTTP, each
event sent at its recorded time: a real socket and a real SDK on the other side. Faults are
the fixture's own: an HTTP status, a ``content-type`` header of its own (an HTML error
page), a long gap between events (a stall), or `dropped_at` (the socket closes mid-body,
without the end of the chunked body).

    >>> with serve(http_error(REQUEST, 429, "rate_limit_error", "Slow"), fixture) as (url, _):
    ...     ...  # the first request gets the 429, every later one the fixture  # doctest: +SKIP
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from streaming_course.replay.fixture import Fixture


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hung up (a test's timeout) is expected, not worth a traceback


@contextmanager
def serve(*fixtures: Fixture) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """Serve `fixtures` in turn, the last one for every later request.

    Yields the base URL and the headers each request had.
    """
    seen_headers: list[dict[str, str]] = []
    closing = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            started = time.monotonic()
            seen_headers.append(dict(self.headers))
            fixture = fixtures[min(len(seen_headers), len(fixtures)) - 1]
            self.rfile.read(int(self.headers.get("content-length", 0)))
            sse = fixture.body_kind == "sse"
            headers = {"content-type": "text/event-stream" if sse else "application/json"}
            headers.update(fixture.headers)
            self.send_response(fixture.status)
            self.send_header("transfer-encoding", "chunked")
            self.send_header("request-id", "req_loopback_1")
            self.send_header("anthropic-organization-id", "org-should-not-be-recorded")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            chunks = (
                [(e.at, (e.wire + "\n").encode()) for e in fixture.events]
                if sse
                else [(fixture.latency, fixture.json_body.encode())]
            )
            try:
                for at, chunk in chunks:
                    if closing.wait(max(0.0, started + at - time.monotonic())):
                        return
                    self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                    self.wfile.flush()
                if fixture.dropped_at is not None:
                    closing.wait(max(0.0, started + fixture.dropped_at - time.monotonic()))
                    self.connection.shutdown(socket.SHUT_RDWR)  # no end of body: a drop
                    self.close_connection = True
                    return
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                self.close_connection = True  # the client gave up first

        def log_message(self, *args: object) -> None:
            pass

    server = _QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen_headers
    finally:
        closing.set()
        server.shutdown()
        server.server_close()
