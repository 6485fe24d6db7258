"""Recording through a real loopback server, then replaying: the same text, events and usage."""

from __future__ import annotations

import json
import re

import anthropic
import httpx2
import pytest

from streaming_course.maintain.recorder import Recorder, save_recording
from streaming_course.replay import fixture as fixture_module
from streaming_course.replay.fixture import Fixture, load_fixture
from streaming_course.replay.library import FixtureLibrary
from streaming_course.replay.synth import Fault, TextBlock, http_error, synthesize
from streaming_course.replay.tap import WireRecord
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


# --- Faults while recording: what arrived is kept, nothing good is lost ---------------------

GOOD = synthesize(REQUEST, [TextBlock(REPLY)], seed="good")
DROPPED = synthesize(REQUEST, [TextBlock(REPLY)], seed="drop", fault=Fault("disconnect", 6))
HTML_500 = Fixture(
    request=REQUEST,
    status=500,
    body_kind="json",
    headers={"content-type": "text/html"},
    json_body="<html><body><h1>500 Internal Server Error</h1></body></html>",
    latency=0.02,
)


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


def test_a_drop_mid_stream_is_recorded_up_to_the_drop(tmp_path):
    with serve(DROPPED) as (base_url, _):
        result = Recorder(api_key=FAKE_KEY, base_url=base_url).record_to(
            REQUEST, tmp_path / "drop.sse"
        )
    assert result.saved and not result.complete and not result.ok
    assert "the connection dropped at" in result.line
    saved = (tmp_path / "drop.sse").read_text()
    assert re.search(r"^: t=\d+\.\d{3} disconnect$", saved.rstrip().splitlines()[-1])
    fixture = load_fixture(tmp_path / "drop.sse")
    assert fixture.dropped_at is not None
    assert [e.type for e in fixture.events] == [e.type for e in DROPPED.events]
    # replayed, it gives the same partial text, then the drop
    transport = ReplayTransport(FixtureLibrary([fixture]), speed=0, strict=True)
    client = anthropic.Anthropic(api_key="x", http_client=httpx2.Client(transport=transport))
    text = []
    with pytest.raises(httpx2.TransportError):
        for event in client.messages.create(**REQUEST):
            if event.type == "content_block_delta":
                text.append(event.delta.text)
    assert text and REPLY.startswith("".join(text)) and "".join(text) != REPLY


@pytest.mark.parametrize(
    "answer",
    [DROPPED, http_error(REQUEST, 529, "overloaded_error", "Overloaded"), HTML_500],
    ids=["dropped", "529", "html-500"],
)
def test_a_failed_record_leaves_an_existing_recording_byte_for_byte(tmp_path, answer):
    path = GOOD.save(tmp_path / "river.sse")
    before = path.read_bytes()
    with serve(answer) as (base_url, _):
        result = Recorder(api_key=FAKE_KEY, base_url=base_url).record_to(REQUEST, path)
    assert not result.saved and not result.ok
    assert result.line.startswith(f"not recorded {path}: ") and "\n" not in result.line
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["river.sse"]  # no temporary file left behind


def test_an_interrupted_record_leaves_an_existing_recording_byte_for_byte(tmp_path, monkeypatch):
    path = GOOD.save(tmp_path / "river.sse")
    before = path.read_bytes()
    added = []
    real_add = WireRecord.add

    def ctrl_c_after_ten_lines(self, text):
        added.append(text)
        if len(added) == 10:
            raise KeyboardInterrupt
        real_add(self, text)

    monkeypatch.setattr(WireRecord, "add", ctrl_c_after_ten_lines)
    with serve(GOOD) as (base_url, _), pytest.raises(KeyboardInterrupt):
        Recorder(api_key=FAKE_KEY, base_url=base_url).record_to(REQUEST, path)
    assert path.read_bytes() == before and _files(tmp_path) == ["river.sse"]


def test_a_write_that_fails_half_way_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = GOOD.save(tmp_path / "river.sse")
    before = path.read_bytes()

    def disk_full(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fixture_module.os, "replace", disk_full)
    new = synthesize(REQUEST, [TextBlock(REPLY + " More.")], seed="new")
    with pytest.raises(OSError):
        save_recording(new, path)
    assert path.read_bytes() == before and _files(tmp_path) == ["river.sse"]


def test_an_answer_the_loader_would_refuse_is_not_saved(tmp_path):
    html_200 = Fixture(
        request=REQUEST,
        body_kind="json",
        headers={"content-type": "text/html"},
        json_body="<html>Welcome to the hotel Wi-Fi</html>",
    )
    for answer in (HTML_500, html_200):
        with serve(answer) as (base_url, _):
            result = Recorder(api_key=FAKE_KEY, base_url=base_url).record_to(
                REQUEST, tmp_path / "page.sse"
            )
        assert not result.saved
        assert f"answered {answer.status} with text/html" in result.line
    assert _files(tmp_path) == []


def test_record_many_goes_on_after_a_failure_and_reports_each(tmp_path):
    sources = []
    for name in ("a", "b", "c"):
        sources.append(
            synthesize(REQUEST, [TextBlock(REPLY)], seed=name).save(tmp_path / f"{name}.sse")
        )
    sources.insert(1, tmp_path / "missing.sse")
    out = tmp_path / "out"
    # answered in turn: a gets a reply, b the HTML page, c (and anything later) a reply
    with serve(GOOD, HTML_500, GOOD) as (base_url, seen):
        results = Recorder(api_key=FAKE_KEY, base_url=base_url).record_many(sources, out)
    assert len(seen) == 3  # the missing file sent nothing
    assert [r.ok for r in results] == [True, False, False, True]
    assert "does not exist" in results[1].line
    assert "text/html" in results[2].line
    assert all("\n" not in r.line for r in results)
    assert _files(out) == ["a.sse", "c.sse"]


def test_a_body_that_echoes_the_request_headers_is_scrubbed(tmp_path):
    echo = {
        "type": "error",
        "error": {"type": "authentication_error", "message": "bad key"},
        "request_headers": {
            "authorization": f"Bearer {FAKE_KEY}",
            "x-api-key": FAKE_KEY,
            "other": "sk-ant-api03-" + "q" * 20,
        },
    }
    answer = Fixture(
        request=REQUEST, status=401, body_kind="json", json_body=json.dumps(echo), latency=0.01
    )
    with serve(answer) as (base_url, _):
        result = Recorder(api_key=FAKE_KEY, base_url=base_url).record_to(
            REQUEST, tmp_path / "401.sse"
        )
    assert result.saved and not result.complete and "authentication_error" in result.line
    saved = (tmp_path / "401.sse").read_text()
    assert FAKE_KEY not in saved and "sk-ant-api03" not in saved
    assert json.loads(load_fixture(tmp_path / "401.sse").json_body)["error"]["message"] == "bad key"


def test_no_connection_is_one_line_without_the_key(tmp_path):
    with serve(GOOD) as (base_url, _):
        pass  # the server is gone: nothing listens there now
    key = "sk-ant-api03-" + "z" * 24 + " "  # a key with a space: the header is refused
    result = Recorder(api_key=key, base_url=base_url, timeout=2).record_to(
        REQUEST, tmp_path / "x.sse"
    )
    assert not result.saved and result.line.startswith("not recorded")
    assert key.strip() not in result.line and "\n" not in result.line
