"""Recording through a real loopback server, then replaying: the same text, events and usage."""

from __future__ import annotations

import re

import anthropic
import httpx2

from streaming_course.replay.fixture import load_fixture
from streaming_course.replay.library import FixtureLibrary
from streaming_course.replay.recorder import Recorder
from streaming_course.replay.synth import TextBlock, http_error, synthesize
from streaming_course.replay.transport import ReplayTransport

from .loopback import serve

FAKE_KEY = "test-key-for-the-loopback-server"
REQUEST = {
    "model": "claude-haiku-5-5",
    "max_tokens": 100,
    "stream": True,
    "messages": [{"role": "user", "content": "Describe a river in two sentences."}],
}
REPLY = "A river carries rain back to the sea. 川は海へ帰る。 🌊\nIt never stops moving."


def _replay(fixture, request):
    transport = ReplayTransport(FixtureLibrary([fixture]), speed=0, strict=True)
    client = anthropic.Anthropic(api_key="x", http_client=httpx2.Client(transport=transport))
    return list(client.messages.create(**request))


def test_record_then_replay_gives_the_same_text_events_and_usage(tmp_path):
    served = synthesize(REQUEST, [TextBlock(REPLY)], seed="loopback")
    with serve(served) as (base_url, seen_headers):
        recorder = Recorder(api_key=FAKE_KEY, base_url=base_url)
        live_events = list(recorder.client.messages.create(**REQUEST))
        fixture = recorder.record(REQUEST)
    path = fixture.save(tmp_path / "river.sse")

    replayed = _replay(load_fixture(path), REQUEST)
    assert [e.to_dict() for e in replayed] == [e.to_dict() for e in live_events]
    text = "".join(e.delta.text for e in replayed if e.type == "content_block_delta")
    assert text == REPLY
    usage_in = replayed[0].message.usage.input_tokens
    usage_out = [e.usage.output_tokens for e in replayed if e.type == "message_delta"]
    assert (usage_in, usage_out[-1]) == (
        live_events[0].message.usage.input_tokens,
        live_events[-2].usage.output_tokens,
    )
    # the recording kept real timing: the first event arrived about when the server sent it
    assert abs(fixture.events[0].at - served.events[0].at) < 0.15
    assert [e.type for e in fixture.events] == [e.type for e in served.events]  # pings too
    # the server really received the key; the file holds no trace of it or of other ids
    assert seen_headers[-1]["Authorization"] == f"Bearer {FAKE_KEY}"
    saved = path.read_text()
    assert FAKE_KEY not in saved
    assert not re.search(r"authorization|x-api-key|organization|req_loopback", saved, re.I)


def test_an_http_error_is_recorded_with_its_retry_hint(tmp_path):
    served = http_error(REQUEST, 429, "rate_limit_error", "Slow down", retry_after_ms=40)
    with serve(served) as (base_url, _):
        fixture = Recorder(api_key=FAKE_KEY, base_url=base_url).record(REQUEST)
    assert fixture.status == 429
    assert fixture.headers == {"retry-after-ms": "40"}
    assert '"rate_limit_error"' in fixture.json_body


def test_the_record_command_writes_a_replayable_fixture(tmp_path, monkeypatch, capsys):
    from streaming_course.cli import main

    served = synthesize(REQUEST, [TextBlock(REPLY)], seed="cli")
    out = tmp_path / "recordings" / "river.sse"
    with serve(served) as (base_url, _):
        monkeypatch.setenv("ANTHROPIC_BASE_URL", base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
        monkeypatch.setenv("STREAMING_COURSE_MODE", "live")
        prompt = REQUEST["messages"][0]["content"]
        assert main(["record", "--prompt", prompt, "--max-tokens", "100", "--out", str(out)]) == 0
    assert f"recorded {out}" in capsys.readouterr().out
    replayed = _replay(load_fixture(out), REQUEST)
    text = "".join(e.delta.text for e in replayed if e.type == "content_block_delta")
    assert text == REPLY
    assert FAKE_KEY not in out.read_text()
