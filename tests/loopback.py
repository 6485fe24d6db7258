"""A real HTTP server on 127.0.0.1 that stands in for the Messages API in tests.

It answers each POST /v1/messages with the fixture it was given, over chunked HTTP, each
event sent at its recorded time: a real socket and a real SDK on the other side.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from streaming_course.replay.fixture import Fixture


@contextmanager
def serve(fixture: Fixture) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """Serve `fixture` for every request; yield the base URL and the headers each request had."""
    seen_headers: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            started = time.monotonic()
            seen_headers.append(dict(self.headers))
            self.rfile.read(int(self.headers.get("content-length", 0)))
            sse = fixture.body_kind == "sse"
            self.send_response(fixture.status)
            self.send_header("content-type", "text/event-stream" if sse else "application/json")
            self.send_header("transfer-encoding", "chunked")
            self.send_header("request-id", "req_loopback_1")
            self.send_header("anthropic-organization-id", "org-should-not-be-recorded")
            for name, value in fixture.headers.items():
                self.send_header(name, value)
            self.end_headers()
            chunks = (
                [(e.at, (e.wire + "\n").encode()) for e in fixture.events]
                if sse
                else [(fixture.latency, fixture.json_body.encode())]
            )
            for at, chunk in chunks:
                time.sleep(max(0.0, started + at - time.monotonic()))
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen_headers
    finally:
        server.shutdown()
        server.server_close()
