"""The fixture file format: round trips, plain SSE captures, and clear errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streaming_course.replay.fixture import FixtureError, load_fixture, parse_fixture
from streaming_course.replay.synth import Fault, TextBlock, ThinkingBlock, ToolUseBlock, synthesize

REQUEST = {
    "model": "claude-haiku-5-5",
    "max_tokens": 50,
    "stream": True,
    "messages": [{"role": "user", "content": "Go"}],
}


@given(st.text(min_size=1, max_size=200))
def test_text_round_trips(reply):
    fixture = synthesize(REQUEST, [TextBlock(reply)])
    assert parse_fixture(fixture.to_text()).to_text() == fixture.to_text()


def test_every_kind_round_trips():
    kinds = [
        synthesize(REQUEST, [ThinkingBlock("hmm"), TextBlock("ok")]),
        synthesize(REQUEST, [ToolUseBlock("get_time", {"zone": "UTC"})]),
        synthesize(REQUEST, [TextBlock("a b c d e f g h")], fault=Fault("disconnect", 3)),
        synthesize({**REQUEST, "stream": False}, [TextBlock("whole")]),
    ]
    for fixture in kinds:
        again = parse_fixture(fixture.to_text())
        assert again.to_text() == fixture.to_text()
        assert again.dropped_at == fixture.dropped_at


def test_a_plain_curl_capture_reads_as_an_instant_stream(tmp_path):
    capture = tmp_path / "capture.sse"
    capture.write_bytes(
        b'event: message_start\r\ndata: {"type":"message_start"}\r\n\r\n'
        b': a comment\r\nevent: ping\r\ndata: {"type": "ping"}\r\n\r\n'
    )
    fixture = load_fixture(capture)
    assert [(e.at, e.type) for e in fixture.events] == [(0.0, "message_start"), (0.0, "ping")]


@pytest.mark.parametrize(
    ("mangle", "line", "says"),
    [
        # the JSON reader notices the missing comma on the next line
        (lambda t: t.replace('"max_tokens": 50,', '"max_tokens": 50'), 7, "not valid JSON"),
        (lambda t: t.replace('data: {"type":"ping"}', "data: {ping"), 27, "data is not valid JSON"),
        (lambda t: t.replace(": t=0.463", ": t=9.000"), 29, "time goes backwards"),
        (lambda t: t.replace(": body: sse", ": body: xml"), 3, "cannot read 'body'"),
    ],
)
def test_a_malformed_fixture_names_the_file_and_line(tmp_path, mangle, line, says):
    path = tmp_path / "broken.sse"
    path.write_text(mangle(synthesize(REQUEST, [TextBlock("Hi there")]).to_text()))
    with pytest.raises(FixtureError, match=says) as caught:
        load_fixture(path)
    assert str(caught.value).startswith(f"{path}:{line}:" if line else f"{path}:")
