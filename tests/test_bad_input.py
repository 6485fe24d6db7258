"""Bad input a learner can give: one line, a documented exit code, and nothing lost.

Covers `streaming-course replay` on files that are missing, folders, devices, wrongly
versioned, badly timed or of the wrong shape; a closed pipe; streams whose events have the
wrong shape; the wire tap on CR line endings; and user recordings in the fixture library.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from streaming_course.cli import main
from streaming_course.client import make_client
from streaming_course.config import load_settings
from streaming_course.events import read_events
from streaming_course.printers import print_text
from streaming_course.replay import library as library_module
from streaming_course.replay.fixture import FixtureError, load_fixture
from streaming_course.replay.library import FixtureLibrary
from streaming_course.replay.synth import TextBlock, synthesize
from streaming_course.replay.tap import WireRecord, _TappedBody
from tests.streams import TEXT_REQUEST, client_for, text_fixture

CAPTURES = Path(__file__).parent / "captures"
SHIPPED = Path(__file__).parent.parent / "streaming_course" / "fixtures"
SIMPLE = (CAPTURES / "simple-lf.sse").read_text(encoding="utf-8")


def run_replay(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["replay", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("streaming-course: ")
    return lines[0]


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("missing.sse", "does not exist"),
        (".", "is a folder"),
        ("/dev/zero", "is not a regular file"),
    ],
)
def test_a_path_that_is_not_a_recording_is_one_line(tmp_path, capsys, target, words):
    path = target if target.startswith("/") else str(tmp_path / target)
    code, _out, err = run_replay(capsys, path, "--speed", "0")
    assert code == 2
    assert words in one_error_line(err)


@pytest.mark.parametrize("speed", ["1e-300", "-1", "nan", "fast", "1e9"])
def test_a_speed_out_of_range_is_one_line(capsys, speed):
    code, _, err = run_replay(capsys, str(CAPTURES / "simple-lf.sse"), "--speed", speed)
    assert code == 2
    assert "--speed" in one_error_line(err)


def test_a_newer_format_version_is_refused_not_read_as_plain_sse(tmp_path, capsys):
    fixture = synthesize(TEXT_REQUEST, [TextBlock("Hello there")])
    path = tmp_path / "future.sse"
    path.write_text(fixture.to_text().replace("fixture v1", "fixture v2", 1))
    code, _, err = run_replay(capsys, str(path), "--speed", "0")
    assert code == 2
    assert "fixture v2" in one_error_line(err)


def test_a_fixture_with_a_byte_order_mark_keeps_its_header(tmp_path):
    fixture = synthesize(TEXT_REQUEST, [TextBlock("Hello there")])
    path = tmp_path / "bom.sse"
    path.write_text("\ufeff" + fixture.to_text(), encoding="utf-8")
    assert load_fixture(path).request == TEXT_REQUEST  # not {} as a plain SSE file would give


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "soon", "1e12", ""])
def test_bad_times_are_one_line_naming_the_line(tmp_path, capsys, value):
    path = tmp_path / "timed.sse"
    path.write_text(f": t={value}\n" + SIMPLE)
    code, _, err = run_replay(capsys, str(path), "--speed", "0")
    assert code == 2
    assert f"{path}:1:" in one_error_line(err)


@pytest.mark.parametrize(
    ("bad_event", "words"),
    [
        (
            '{"type":"content_block_delta","index":7,"delta":{"type":"text_delta","text":"x"}}',
            "block 7, which never started",
        ),
        ("[1, 2, 3]", "an event whose 'type' is nothing"),
        (
            '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":5}}',
            "'text' is int",
        ),
    ],
)
def test_wrong_shape_events_end_the_stream_in_one_line(tmp_path, capsys, bad_event, words):
    head, _tail = SIMPLE.split("event: content_block_stop", 1)
    path = tmp_path / "wrong-shape.sse"
    path.write_text(head + f"event: content_block_delta\ndata: {bad_event}\n\n")
    code, out, _err = run_replay(capsys, str(path), "--speed", "0")
    assert code == 1
    assert out.startswith("Line endings differ")
    [line] = [line for line in out.splitlines() if "could not be read" in line]
    assert words in line


def test_wrong_shape_events_in_a_managed_stream_end_in_one_line_too():
    fixture = text_fixture(["Hel", "lo"])
    fixture.events.insert(
        4,
        type(fixture.events[0])(
            at=0.0,
            wire='event: content_block_delta\ndata: {"type":"content_block_delta","index":3,'
            '"delta":{"type":"text_delta","text":"x"}}\n',
        ),
    )
    request = {name: value for name, value in TEXT_REQUEST.items() if name != "stream"}
    with client_for(fixture).messages.stream(**request) as stream:
        reader = read_events(stream)
        list(reader)
    assert reader.outcome.ending == "malformed"
    assert "IndexError" in reader.outcome.description


def test_a_file_cut_inside_a_data_line_shows_what_arrived(capsys):
    code, out, err = run_replay(capsys, str(CAPTURES / "cut-mid-data.sse"), "--speed", "0")
    assert code == 1
    assert out.startswith("Line endings differ between tools")
    assert "ends inside an event" in one_error_line(err)


@pytest.mark.parametrize("name", ["bad-model.http"])
def test_http_error_fixtures_are_one_line(capsys, name):
    [path] = SHIPPED.rglob(name)
    code, _out, err = run_replay(capsys, str(path), "--speed", "0")
    assert code == 3
    assert "404 not_found_error" in one_error_line(err)


def test_a_status_the_sdk_has_no_class_for_is_one_line(tmp_path, capsys):
    fixture = synthesize(TEXT_REQUEST, [TextBlock("x")])
    text = fixture.to_text().replace(": status: 200\n: body: sse", ": status: 999\n: body: json")
    text = text.split("\n\n", 1)[0] + '\n\n{"type":"error","error":{"type":"odd","message":"?"}}\n'
    path = tmp_path / "odd.http"
    path.write_text(text.replace(": request:", ": latency: 0.1\n: request:"))
    code, _, err = run_replay(capsys, str(path), "--speed", "0")
    assert code == 3
    assert "999 odd" in one_error_line(err)


def test_a_closed_pipe_exits_quietly():
    command = (
        f"{sys.executable} -m streaming_course.cli replay"
        f" {CAPTURES / 'web-search-pause-turn.sse'} --show wire --speed 0 | head -1"
    )
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert len(done.stdout.splitlines()) == 1


def test_a_tool_with_no_arguments_leaves_the_outcome_readable_at_every_step(capsys):
    path = CAPTURES / "tool-no-arguments.sse"
    fixture = load_fixture(path)
    fixture.request = TEXT_REQUEST
    reader = read_events(client_for(fixture).messages.create(**TEXT_REQUEST))
    for event in reader:
        outcome = reader.outcome  # "the outcome so far" must never raise
        if event.delta_type == "input_json_delta":
            assert outcome.message.content[1].input == {}
    assert reader.outcome.stop_reason == "tool_use"
    assert print_text(client_for(fixture).messages.create(**TEXT_REQUEST)).complete
    capsys.readouterr()


def test_the_wire_tap_splits_lines_at_cr_too():
    record = WireRecord({}, 200, {}, 0.0)
    list(_TappedBody(iter([b"event: ping\r", b"data: {}\r", b"\r", b"event: x\r\n\r\n"]), record))
    assert [line.text for line in record.lines] == ["event: ping", "data: {}", "", "event: x", ""]


def _write_fixture(folder: Path, name: str, reply: str) -> Path:
    return synthesize(TEXT_REQUEST, [TextBlock(reply)]).save(folder / name)


def test_a_user_recording_replaces_the_shipped_one_every_time(tmp_path):
    mine, shipped = tmp_path / "mine", tmp_path / "shipped"
    _write_fixture(mine, "hello.sse", "My own recording")
    _write_fixture(shipped, "hello.sse", "The shipped recording")
    library = FixtureLibrary.from_dirs([mine, shipped])
    replies = [library.find(TEXT_REQUEST).events[3].data["delta"]["text"] for _ in range(4)]
    assert all(reply.startswith("My") for reply in replies), replies


def test_a_bad_user_file_is_reported_and_skipped(tmp_path, monkeypatch, capsys):
    mine = tmp_path / "mine"
    _write_fixture(mine, "hello.sse", "My own recording")
    (mine / "broken.sse").write_text(": t=oops\n" + SIMPLE)
    monkeypatch.setenv("STREAMING_COURSE_FIXTURES", str(mine))
    monkeypatch.setenv("STREAMING_COURSE_MODE", "replay")
    settings = load_settings()
    client = make_client(settings)
    banner = capsys.readouterr().out.splitlines()
    assert banner[0].startswith(("Mode: replay", "モード"))
    [skipped] = [line for line in banner if "broken.sse:1:" in line]
    assert "Fix or remove the file" in skipped
    outcome = print_text(client.messages.create(**TEXT_REQUEST))
    assert outcome.text == "My own recording"


def test_the_library_parses_each_file_once_and_again_when_it_changes(tmp_path, monkeypatch):
    path = _write_fixture(tmp_path, "hello.sse", "First version")
    reads = []
    real_load = library_module.load_fixture
    monkeypatch.setattr(library_module, "load_fixture", lambda p: reads.append(p) or real_load(p))
    for _ in range(5):
        FixtureLibrary.from_dirs([tmp_path])
    assert reads == [path]
    _write_fixture(tmp_path, "hello.sse", "Second version, longer")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    library = FixtureLibrary.from_dirs([tmp_path])
    assert reads == [path, path]
    assert "Second" in json.dumps(library.find(TEXT_REQUEST).events[3].data)


def test_an_interrupted_save_leaves_the_old_file_as_it_was(tmp_path, monkeypatch):
    path = _write_fixture(tmp_path, "kept.sse", "A good recording")
    before = path.read_bytes()
    fixture = synthesize(TEXT_REQUEST, [TextBlock("A replacement that fails half way")])

    def broken_write(self, text, encoding=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", broken_write)
    with pytest.raises(OSError):
        fixture.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["kept.sse"]  # no temporary left behind


def test_a_format_error_names_file_and_line(tmp_path):
    path = tmp_path / "bad.sse"
    path.write_text(SIMPLE.replace('"type":"ping"', '"type":"ping",,', 1))
    with pytest.raises(FixtureError, match=r"bad\.sse:\d+: the event's data is not valid JSON"):
        load_fixture(path)
