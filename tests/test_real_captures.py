"""The reader, every printer and every CLI view on streams shaped like the ones the API sends.

`tests/captures/` holds streams written for the course in the shapes real captures have
(FACTS.md): tools with no arguments, parallel tools, server tools with `pause_turn`, MCP,
redacted and adaptive thinking, citations across many text blocks, `message_delta` usage that
updates `input_tokens`, CRLF / CR / BOM / ``curl -i`` files, and files cut short. Each is read
through the real SDK and compared with what the SDK itself accumulates from the same bytes,
also when the bytes arrive split at random places.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import redirect_stdout
from pathlib import Path

import anthropic
import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streaming_course import printers
from streaming_course.cli import main
from streaming_course.events import aread_events, read_events
from streaming_course.replay.fixture import load_fixture

CAPTURES = Path(__file__).parent / "captures"
STREAMS = sorted(path for path in CAPTURES.glob("*.sse"))
COMPLETE = [path for path in STREAMS if not path.stem.startswith(("no-final", "cut-", "error-"))]
REQUEST = {
    "model": "claude-haiku-5-5",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "x"}],
}
VIEWS = ("text", "events", "usage", "wire")


def served_bytes(path: Path) -> bytes:
    """The body the replay serves for a capture (its events, as the file holds them)."""
    return b"".join(event.sent for event in load_fixture(path).events)


class _Chunks(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk


def _split(body: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted({cut for cut in cuts if 0 < cut < len(body)}), len(body)]
    return [body[start:end] for start, end in itertools.pairwise(bounds)]


def _respond(chunks: list[bytes]):
    def handler(request: httpx2.Request) -> httpx2.Response:
        headers = {"content-type": "text/event-stream"}
        return httpx2.Response(200, headers=headers, stream=_Chunks(chunks))

    return handler


def client(chunks: list[bytes]) -> anthropic.Anthropic:
    transport = httpx2.MockTransport(_respond(chunks))
    return anthropic.Anthropic(
        api_key="test", http_client=httpx2.Client(transport=transport), max_retries=0
    )


def async_client(chunks: list[bytes]) -> anthropic.AsyncAnthropic:
    transport = httpx2.MockTransport(_respond(chunks))
    return anthropic.AsyncAnthropic(
        api_key="test", http_client=httpx2.AsyncClient(transport=transport), max_retries=0
    )


def sdk_final(chunks: list[bytes]) -> anthropic.types.Message | None:
    """What the SDK's own accumulation gives for these bytes (the snapshot if it fails)."""
    with client(chunks).messages.stream(**REQUEST) as stream:
        try:
            return stream.get_final_message()
        except anthropic.APIStatusError:
            return stream.current_message_snapshot


def sdk_text(message: anthropic.types.Message | None) -> str:
    if message is None:
        return ""
    return "".join(block.text for block in message.content if block.type == "text")


def comparable(message: anthropic.types.Message | None) -> dict | None:
    return None if message is None else json.loads(message.to_json(warnings=False))


def test_the_corpus_has_every_shape_the_issue_names():
    text = "\n".join(path.read_text(encoding="utf-8") for path in STREAMS)
    for shape in (
        '"partial_json":""',
        '"type":"server_tool_use"',
        '"type":"web_search_tool_result"',
        '"server_tool_use":{"web_search_requests":1',
        '"type":"mcp_tool_use"',
        '"type":"redacted_thinking"',
        '"type":"thinking"',
        '"type":"citations_delta"',
        '"stop_reason":"pause_turn"',
        '"input_tokens":181',
    ):
        assert shape in text, shape
    assert "\ufeff" in (CAPTURES / "bom.sse").read_text(encoding="utf-8")
    assert b"\r\n" in (CAPTURES / "crlf.sse").read_bytes()
    assert b"\n" not in (CAPTURES / "cr-only.sse").read_bytes()
    assert (CAPTURES / "curl-i-headers.sse").read_text().startswith("HTTP/2 200")
    assert not (CAPTURES / "no-final-blank-line.sse").read_text().endswith("\n")


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("path", STREAMS, ids=lambda path: path.stem)
def test_every_cli_view_reads_every_capture(path, view, capsys):
    code = main(["replay", str(path), "--show", view, "--speed", "0"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    expected = sdk_final([served_bytes(path)])
    if path in COMPLETE:
        assert code == 0, err
    else:
        assert code == 1
        assert len(err.splitlines()) <= 1  # at most the note that the file ends mid-event
    if view == "text":
        assert out.startswith(sdk_text(expected))
        if path in COMPLETE:
            assert out == sdk_text(expected)
    if view == "usage":
        assert expected is not None
        assert f"Input tokens: {expected.usage.input_tokens} " in out
        assert f"Output tokens: {expected.usage.output_tokens} " in out


def test_an_error_event_after_a_tool_block_is_one_line_and_a_failure():
    command = [sys.executable, "-m", "streaming_course.cli", "replay", "--speed", "0"]
    done = subprocess.run(
        [*command, str(CAPTURES / "error-after-tool.sse")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert [line for line in done.stdout.splitlines() if "overloaded_error" in line] == [
        "⚠ The API sent an error event (overloaded_error: Overloaded) after 20 characters: "
        "the reply is incomplete."
    ]


def test_an_http_error_capture_is_one_line_naming_the_error(capsys):
    assert main(["replay", str(CAPTURES / "overloaded-body.json"), "--speed", "0"]) == 3
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "streaming-course: the answer was an HTTP error, 529 overloaded_error: Overloaded"
    ]


def test_a_file_that_ends_mid_event_says_so_and_reads_as_the_sdk_reads_it(capsys):
    path = CAPTURES / "no-final-blank-line.sse"
    assert main(["replay", str(path), "--speed", "0", "--show", "text"]) == 1
    out, err = capsys.readouterr()
    stream = client([path.read_bytes()]).messages.create(**REQUEST, stream=True)
    seen = [event.type for event in stream]
    assert seen[-1] == "message_delta"  # the SDK never yields the unfinished message_stop
    assert "without message_stop" in out
    assert "ends inside an event" in err


PRINTERS = [
    (printers.print_text, printers.aprint_text),
    (printers.print_lines, printers.aprint_lines),
    (printers.print_markdown, printers.aprint_markdown),
    (printers.print_events, printers.aprint_events),
    (printers.print_usage, printers.aprint_usage),
    (printers.print_wire, printers.aprint_wire),
]


@pytest.mark.parametrize("managed", [False, True], ids=["raw", "managed"])
@pytest.mark.parametrize("pair", PRINTERS, ids=lambda pair: pair[0].__name__)
@pytest.mark.parametrize("path", STREAMS, ids=lambda path: path.stem)
def test_every_printer_and_twin_on_raw_and_managed_streams(path, pair, managed):
    body = served_bytes(path)
    chunks = _split(body, list(range(1, len(body), 7)))  # cuts inside characters and CRLFs too
    expected = sdk_final(chunks)
    print_sync, print_async = pair

    def run_sync():
        if managed:
            with client(chunks).messages.stream(**REQUEST) as stream:
                return print_sync(stream)
        return print_sync(client(chunks).messages.create(**REQUEST, stream=True))

    async def run_async():
        if managed:
            async with async_client(chunks).messages.stream(**REQUEST) as stream:
                return await print_async(stream)
        stream = await async_client(chunks).messages.create(**REQUEST, stream=True)
        return await print_async(stream)

    for run in (run_sync, lambda: asyncio.run(run_async())):
        shown = io.StringIO()
        with redirect_stdout(shown):
            outcome = run()
        assert outcome.text == sdk_text(expected)
        assert comparable(outcome.message) == comparable(expected)
        assert outcome.complete == (path in COMPLETE)
        if print_sync in (printers.print_text, printers.print_lines):
            assert shown.getvalue().startswith(sdk_text(expected))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
@pytest.mark.parametrize("path", STREAMS, ids=lambda path: path.stem)
def test_any_split_of_the_bytes_reads_as_the_sdk_accumulates(path, data):
    body = served_bytes(path)
    cuts = data.draw(st.lists(st.integers(1, max(len(body) - 1, 1)), max_size=40))
    chunks = _split(body, cuts)
    expected = comparable(sdk_final(chunks))
    raw = read_events(client(chunks).messages.create(**REQUEST, stream=True))
    list(raw)
    assert comparable(raw.outcome.message) == expected
    with client(chunks).messages.stream(**REQUEST) as stream:
        managed = read_events(stream)
        list(managed)
    assert comparable(managed.outcome.message) == expected

    async def read_async():
        reader = aread_events(await async_client(chunks).messages.create(**REQUEST, stream=True))
        async for _ in reader:
            pass
        return reader.outcome

    assert comparable(asyncio.run(read_async()).message) == expected
