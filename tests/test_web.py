"""The web lesson's relay over real HTTP: uvicorn on 127.0.0.1, the real SDK over the replay.

What a learner relies on: the page at ``/``; ``POST /api/stream`` answering
``text/event-stream`` whose events carry a recorded reply; the upstream stream closed soon
after the client goes away (measured, and said in the log); a client that stops reading
holding only a bounded amount in the server; one-line 4xx answers to bad requests; the key
never reaching the page; and the ``streaming-course web`` command itself.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

from streaming_course.client import make_async_client
from streaming_course.config import PACKAGE_FIXTURES, Settings, load_settings
from streaming_course.replay.synth import TextBlock, synthesize
from streaming_course.web.app import create_app
from streaming_course.web.relay import sdk_request
from streaming_course.web.server import BackgroundServer, free_port

# What the web tests share (the browser test imports these too) ----------------------------

SOURCE = PACKAGE_FIXTURES / "sources" / "10-streaming-to-a-web-page.toml"


def exchange(name: str) -> dict:
    """The exchange `name` of the lesson's fixture source: its prompt and reply."""
    with SOURCE.open("rb") as file:
        exchanges = tomllib.load(file)["exchange"]
    return next(item for item in exchanges if item["name"] == name)


def prompt(name: str) -> str:
    return exchange(name)["prompt"]


def reply(name: str) -> str:
    return exchange(name)["reply"].lstrip("\n")  # TOML drops the newline after the quotes


def body(name: str) -> dict:
    """The page's request body for the prompt of `name`."""
    return {"messages": [{"role": "user", "content": prompt(name)}]}


def replay_settings(speed: float, fixtures: Iterable[Path] = ()) -> Settings:
    """Strict replay, no key, English, the course's model, at `speed`."""
    return load_settings(
        {
            "STREAMING_COURSE_MODE": "replay",
            "STREAMING_COURSE_REPLAY_STRICT": "1",
            "STREAMING_COURSE_REPLAY_SPEED": str(speed),
            "STREAMING_COURSE_LANG": "en",
            "STREAMING_COURSE_FIXTURES": os.pathsep.join(str(path) for path in fixtures),
        }
    )


@dataclass
class Event:
    event: str
    data: dict
    id: str | None


def parse_sse(text: str) -> list[Event]:
    """The events of an SSE body (comments skipped), each `data` decoded as JSON."""
    events = []
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, list[str]] = {}
        for line in chunk.split("\n"):
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            fields.setdefault(name, []).append(value.removeprefix(" "))
        if "data" in fields:
            data = json.loads("\n".join(fields["data"]))
            events.append(
                Event(fields.get("event", ["message"])[0], data, fields.get("id", [None])[0])
            )
    return events


def words(text: str) -> str:
    """`text` without Markdown marks, its whitespace normalized: rendered and source compare."""
    lines = [line.removeprefix("- ").lstrip("#").strip() for line in text.splitlines()]
    return " ".join(" ".join(lines).replace("**", "").split())


# The tests ---------------------------------------------------------------------------------

CLOSE_BOUND_SECONDS = 0.5
"""The upstream stream must be closed this soon after the client closes its connection."""
SEND_BUFFER_BYTES = 16 * 1024
"""The kernel's send buffer per connection in the slow-client test (the default grows to MBs)."""
IN_FLIGHT_BOUND_BYTES = 256 * 1024
"""A client that reads nothing may leave at most this much sent but unread: asyncio's write
buffer (uvicorn waits above 64 KiB), the kernel's buffers on both sides, one event."""


@pytest.fixture(scope="module")
def fast_server():
    """The app at 50× the recorded pace: for tests where timing is not the point."""
    with BackgroundServer(create_app(replay_settings(50))) as server:
        yield server


def relay_events(server: BackgroundServer, name: str) -> tuple[httpx2.Response, list]:
    response = httpx2.post(f"{server.url}/api/stream", json=body(name), timeout=20)
    return response, parse_sse(response.text)


def test_the_page_is_served_at_the_root(fast_server):
    page = httpx2.get(fast_server.url + "/", timeout=10)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == "default-src 'self'"
    assert '<textarea id="prompt"' in page.text
    assert "Mode: replay" in page.text
    for name in ("app.js", "sse.js", "style.css"):
        assert httpx2.get(f"{fast_server.url}/static/{name}", timeout=10).status_code == 200


def test_the_relay_streams_a_recorded_reply_as_server_sent_events(fast_server):
    response, events = relay_events(fast_server, "bike-commute")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-accel-buffering"] == "no"
    assert response.headers["cache-control"] == "no-store"
    kinds = [event.event for event in events]
    assert kinds[-1] == "done" and kinds.count("text") > 10
    assert "".join(e.data["text"] for e in events if e.event == "text") == reply("bike-commute")
    blocks = [e.data for e in events if e.event == "block"]
    assert sum(block["chars"] for block in blocks) == len(reply("bike-commute"))
    html = "".join(block["html"] for block in blocks)
    assert html.count("<li>") == 3 and "<strong>Tyres.</strong>" in html
    assert [int(e.id) for e in events] == list(range(1, len(events) + 1))
    done = events[-1].data
    assert done["stop_reason"] == "end_turn" and done["usage"]["output_tokens"] > 0
    assert 0 < done["ttft"] < 5


def test_an_error_event_mid_stream_reaches_the_client_as_one_line(fast_server):
    response, events = relay_events(fast_server, "tides-overloaded")
    assert response.status_code == 200
    text = "".join(e.data["text"] for e in events if e.event == "text")
    assert text and reply("tides-overloaded").startswith(text) and text != reply("tides-overloaded")
    assert events[-1].event == "error"
    error = events[-1].data
    assert error["ending"] == "error_event"
    assert "overloaded_error" in error["message"] and "\n" not in error["message"]
    assert f"after {len(text)} characters" in error["message"]


MALFORMED = [
    ("bad JSON", b'{"messages": [', {}, 400, "not valid JSON"),
    ("not an object", b"[1, 2]", {}, 400, '"messages" list'),
    ("no messages", b'{"prompt": "hi"}', {}, 400, '"messages" list'),
    ("empty messages", b'{"messages": []}', {}, 400, "1 to 100"),
    ("a bad role", b'{"messages": [{"role": "system", "content": "x"}]}', {}, 400, "Message 1"),
    ("empty content", b'{"messages": [{"role": "user", "content": " "}]}', {}, 400, "Message 1"),
    (
        "the model chosen by the page",
        b'{"messages": [{"role": "user", "content": "x"}], "model": "claude-opus-5-5"}',
        {},
        400,
        "leave out: model",
    ),
    (
        "the last message not the user's",
        b'{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}',
        {},
        400,
        "last message",
    ),
    ("not JSON's content type", b'{"messages": []}', {"content-type": "text/plain"}, 415, "JSON"),
    ("a huge body", b"x" * (70 * 1024), {}, 413, "64 KiB"),
    (
        "another site's page",
        b'{"messages": [{"role": "user", "content": "x"}]}',
        {"origin": "https://elsewhere.example"},
        403,
        "another site",
    ),
]


@pytest.mark.parametrize(
    ("raw", "headers", "status", "says"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_a_malformed_request_gets_a_4xx_with_one_line(fast_server, raw, headers, status, says):
    answer = httpx2.post(
        f"{fast_server.url}/api/stream",
        content=raw,
        headers={"content-type": "application/json", **headers},
        timeout=10,
    )
    assert answer.status_code == status
    error = answer.json()["error"]
    assert says in error and "\n" not in error


def test_a_huge_chunked_body_is_refused_without_a_length_and_the_server_carries_on(fast_server):
    def chunks():
        for _ in range(100):
            yield b"x" * 1024

    answer = httpx2.post(
        f"{fast_server.url}/api/stream",
        content=chunks(),
        headers={"content-type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 413
    _, events = relay_events(fast_server, "green-tea")  # nothing crashed
    assert events[-1].event == "done"


def test_closing_the_client_closes_the_upstream_stream_soon_and_the_log_says_so():
    """At the recorded pace, the client reads a few pieces, then closes its connection."""
    with BackgroundServer(create_app(replay_settings(1))) as server:
        with (
            httpx2.Client(timeout=20) as client,
            client.stream("POST", f"{server.url}/api/stream", json=body("vegetable-garden")) as r,
        ):
            pieces = 0
            for line in r.iter_lines():
                pieces += line.startswith("event: text")
                if pieces == 5:
                    break
            closed_at = time.perf_counter()
        record = server.log.last_closed()  # it polls: the figure is the record's own
        delay = record.upstream_closed_at - closed_at
        lines = list(server.log.lines)
    print(f"upstream closed {delay * 1000:.1f} ms after the client closed its connection")
    print(f"(server: {record.close_delay * 1000:.1f} ms after it heard of the disconnect)")
    assert record.upstream_closed and record.ending == "disconnected"
    assert delay < CLOSE_BOUND_SECONDS
    assert record.chars_sent < len(reply("vegetable-garden")) / 2, "generation went on"
    assert any("went away" in line for line in lines)
    assert any("upstream stream closed" in line and "generation stopped" in line for line in lines)


def test_a_client_that_stops_reading_holds_a_bounded_amount_in_the_server(tmp_path):
    """A reply of about 0.9 MB of events, replayed with no waiting, to a client that stalls.

    The reply is synthesized here (too large to ship): the garden reply, 90 times (< max_tokens).
    """
    text = "\n\n".join([reply("vegetable-garden")] * 90)
    settings = replay_settings(0, [tmp_path])
    page_body = {"messages": [{"role": "user", "content": "A very long reply, please."}]}
    request = {**sdk_request(page_body, settings.model, max_tokens=64_000), "stream": True}
    synthesize(request, [TextBlock(text)], seed="slow-client").save(tmp_path / "long.sse")
    app = create_app(settings, max_tokens=64_000)
    with BackgroundServer(app, send_buffer=SEND_BUFFER_BYTES) as server:
        with socket.socket() as client:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting
            client.settimeout(20)
            client.connect(("127.0.0.1", server.port))
            payload = json.dumps(page_body).encode()
            client.sendall(
                b"POST /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(payload), payload)
            )
            received = len(client.recv(1024))
            record = server.log.records[-1]
            sent = [record.bytes_sent]
            deadline = time.monotonic() + 10
            while len(sent) < 5 or len(set(sent[-5:])) > 1:  # until 0.4 s without a change
                assert time.monotonic() < deadline, f"the relay never paused: {sent[-5:]}"
                time.sleep(0.1)
                sent.append(record.bytes_sent)
            in_flight = record.bytes_sent - received
            chars_at_stall = record.chars_sent
            while b"event: done" not in (chunk := client.recv(65536)) and chunk:
                received += len(chunk)
            received += len(chunk)
        total = record.bytes_sent
    print(f"a stalled client: {in_flight / 1024:.0f} KiB sent but unread of {total / 1024:.0f} KiB")
    assert in_flight < IN_FLIGHT_BOUND_BYTES < total / 2
    assert chars_at_stall < len(text) / 2
    assert record.ending == "complete" and record.chars_sent == len(text), "then all of it came"


def test_the_key_stays_on_the_server():
    """Live mode with a key, against an address where nothing listens: the page is told why."""
    secret = "sk-ant-test-" + "k3y" * 10
    settings = load_settings(
        {
            "ANTHROPIC_API_KEY": secret,
            "STREAMING_COURSE_MODE": "live",
            "STREAMING_COURSE_LANG": "en",
        }
    )
    nowhere = f"http://127.0.0.1:{free_port()}"

    def client():
        return make_async_client(
            settings, banner=False, api_key=secret, base_url=nowhere, max_retries=0
        )

    with BackgroundServer(create_app(settings, client_factory=client)) as server:
        page = httpx2.get(server.url + "/", timeout=10).text
        response, events = relay_events(server, "green-tea")
    assert "Mode: live" in page and secret not in page
    assert secret not in response.text and "Bearer" not in response.text
    assert [event.event for event in events] == ["error"]
    assert "APIConnectionError" in events[0].data["message"]


def test_the_web_command_serves_the_page_and_relays_a_recorded_prompt():
    port = free_port()
    env = {
        **os.environ,
        "STREAMING_COURSE_MODE": "replay",
        "STREAMING_COURSE_REPLAY_STRICT": "1",
        "STREAMING_COURSE_REPLAY_SPEED": "50",
        "STREAMING_COURSE_LANG": "en",
        "STREAMING_COURSE_FIXTURES": "",
        "ANTHROPIC_API_KEY": "",
    }
    command = [str(Path(sys.executable).parent / "streaming-course"), "web", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                page = httpx2.get(url + "/", timeout=2)
                break
            except httpx2.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "did not start"
                time.sleep(0.1)
        assert page.status_code == 200 and "<textarea" in page.text
        answer = httpx2.post(url + "/api/stream", json=body("green-tea"), timeout=20)
        assert answer.headers["content-type"].startswith("text/event-stream")
        events = parse_sse(answer.text)
        assert "".join(e.data["text"] for e in events if e.event == "text") == reply("green-tea")
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=20)
    assert server.returncode == 0, err.decode()
    assert f"Serving the web lesson at {url}" in out.decode()
    assert "relay #1: complete" in err.decode()  # the relay's log, on the console


def test_the_web_command_says_in_one_line_when_its_port_is_taken():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [
            str(Path(sys.executable).parent / "streaming-course"),
            "web",
            "--port",
            str(port),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and f"127.0.0.1:{port}" in done.stderr
