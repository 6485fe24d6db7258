"""`streaming-course replay` on plain SSE captures, against what the SDK itself accumulates."""

from __future__ import annotations

import json
import subprocess
import sys
from itertools import pairwise

import anthropic
import httpx2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streaming_course.cli import main
from streaming_course.replay.fixture import load_fixture
from streaming_course.replay.library import FixtureLibrary
from streaming_course.replay.transport import ReplayTransport

TEXTS = st.lists(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(["\r\n", "\n", "\r", "é", "ストリーム", "😀", "👩‍💻", "```", " "]),
    ),
    min_size=1,
    max_size=60,
).map("".join)


def _event(payload: dict) -> str:
    return f"event: {payload['type']}\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n"


def curl_capture(deltas: list[str], *, error_after: int | None = None) -> str:
    """An SSE body as curl would save it: no timing, no header, a ping after the block starts."""
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "m",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 12, "output_tokens": 1},
    }
    parts = [
        _event({"type": "message_start", "message": message}),
        _event(
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            }
        ),
        _event({"type": "ping"}),
    ]
    for number, delta in enumerate(deltas):
        if error_after is not None and number == error_after:
            parts.append(
                _event(
                    {
                        "type": "error",
                        "error": {"type": "overloaded_error", "message": "Overloaded"},
                    }
                )
            )
            return "".join(parts)
        parts.append(
            _event(
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": delta},
                }
            )
        )
    parts += [
        _event({"type": "content_block_stop", "index": 0}),
        _event(
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": len(deltas)},
            }
        ),
        _event({"type": "message_stop"}),
    ]
    return "".join(parts)


@st.composite
def split_texts(draw) -> list[str]:
    text = draw(TEXTS)
    cuts = sorted(draw(st.sets(st.integers(1, max(len(text) - 1, 1)), max_size=len(text))))
    bounds = [0, *[c for c in cuts if c < len(text)], len(text)]
    return [text[a:b] for a, b in pairwise(bounds) if b > a]


def sdk_final_text(path) -> str:
    """What the SDK's own accumulation makes of the file."""
    fixture = load_fixture(path)
    request = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "x"}]}
    fixture.request = {**request, "stream": True}
    transport = ReplayTransport(FixtureLibrary([fixture]), speed=0, strict=False)
    client = anthropic.Anthropic(api_key="x", http_client=httpx2.Client(transport=transport))
    with client.messages.stream(**request) as stream:
        return "".join(block.text for block in stream.get_final_message().content)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(deltas=split_texts(), crlf=st.booleans())
def test_replay_prints_exactly_what_the_sdk_accumulates(tmp_path, capsys, deltas, crlf):
    body = curl_capture(deltas)
    path = tmp_path / "capture.sse"
    path.write_bytes((body.replace("\n", "\r\n") if crlf else body).encode())
    assert main(["replay", str(path), "--show", "text", "--speed", "0"]) == 0
    printed = capsys.readouterr().out
    assert printed == sdk_final_text(path) == "".join(deltas)


def test_wire_view_shows_the_pings_the_sdk_hides(tmp_path, capsys):
    path = tmp_path / "capture.sse"
    path.write_text(curl_capture(["Hello", " world"]))
    assert main(["replay", str(path), "--show", "wire", "--speed", "0"]) == 0
    out = capsys.readouterr().out
    assert "event: ping" in out
    assert out.index("event: content_block_start") < out.index("event: ping")


def test_an_error_event_prints_the_partial_text_then_one_line_and_fails(tmp_path):
    path = tmp_path / "overloaded.sse"
    path.write_text(curl_capture(["Part one", ", part two", ", never sent"], error_after=2))
    done = subprocess.run(
        [sys.executable, "-m", "streaming_course.cli", "replay", str(path), "--speed", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert done.stdout.startswith("Part one, part two")
    assert "Traceback" not in done.stdout + done.stderr
    error_lines = [
        line for line in (done.stdout + done.stderr).splitlines() if "overloaded_error" in line
    ]
    assert len(error_lines) == 1
