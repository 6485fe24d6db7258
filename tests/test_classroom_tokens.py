"""The classroom command's small parts: the tokens file, its errors, usage read off the wire."""

from __future__ import annotations

import itertools
import json
import socket
import stat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streaming_course.classroom.limits import Limits, Roster
from streaming_course.classroom.tokens import ClassroomError, parse_tokens, read_tokens
from streaming_course.classroom.wire import Scrubber, UsageMeter
from streaming_course.cli import main
from streaming_course.i18n import message

FAKE_KEY = "sk-ant-" + "test-SECRET-x"  # made up, and split: no key-shaped text in git


def test_tokens_writes_one_private_line_per_student(tmp_path, capsys):
    out = tmp_path / "tokens.txt"
    assert main(["classroom", "tokens", "30", "--out", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    lines = out.read_text().splitlines()
    assert (
        len(lines) == 30
        and lines[0].startswith("student01 ")
        and lines[-1].startswith("student30 ")
    )
    tokens = [line.split()[1] for line in lines]
    assert len(set(tokens)) == 30 and all(len(token) >= 24 for token in tokens)
    assert read_tokens(out) == {token: f"student{n:02d}" for n, token in enumerate(tokens, 1)}
    assert "30" in capsys.readouterr().out


def test_tokens_refuses_to_overwrite_without_force(tmp_path, capsys):
    out = tmp_path / "tokens.txt"
    out.write_text("keep me\n")
    assert main(["classroom", "tokens", "3", "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "--force" in error
    assert out.read_text() == "keep me\n"
    out.chmod(0o644)
    assert main(["classroom", "tokens", "3", "--out", str(out), "--force", "--prefix", "desk"]) == 0
    assert out.read_text().startswith("desk01 ") and stat.S_IMODE(out.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ("", "classroom.tokens_empty", 0),
        ("# only a comment\n", "classroom.tokens_empty", 0),
        ("alice\n", "classroom.tokens_bad_line", 1),
        ("alice short\n", "classroom.tokens_bad_line", 1),
        ("alice class-aaaaaaaaaaaaaaaa extra\n", "classroom.tokens_bad_line", 1),
        (
            "alice class-aaaaaaaaaaaaaaaa\nbob class-aaaaaaaaaaaaaaaa\n",
            "classroom.tokens_repeated",
            2,
        ),
        (
            "ann class-aaaaaaaaaaaaaaaa\nann class-bbbbbbbbbbbbbbbb\n",
            "classroom.tokens_repeated",
            2,
        ),
    ],
)
def test_a_malformed_tokens_file_says_which_line(text, key, line):
    with pytest.raises(ClassroomError) as raised:
        parse_tokens(text, "tokens.txt")
    assert str(raised.value) == message(key, source="tokens.txt", line=line)


def test_serve_without_a_key_or_tokens_stops_with_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    tokens = tmp_path / "tokens.txt"
    assert main(["classroom", "serve", "--tokens", str(tokens)]) == 2
    assert "classroom tokens" in capsys.readouterr().err
    assert main(["classroom", "tokens", "2", "--out", str(tokens)]) == 0
    capsys.readouterr()
    assert main(["classroom", "serve", "--tokens", str(tokens)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "ANTHROPIC_API_KEY" in error


def test_serve_on_a_port_in_use_stops_with_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY + "-port")
    tokens = tmp_path / "tokens.txt"
    main(["classroom", "tokens", "2", "--out", str(tokens)])
    capsys.readouterr()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        assert (
            main(
                [
                    "classroom",
                    "serve",
                    "--tokens",
                    str(tokens),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    port,
                ]
            )
            == 2
        )
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "--port" in captured.err
    assert "SECRET" not in captured.out + captured.err


def test_status_of_a_gateway_that_is_not_there(capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    assert main(["classroom", "status", "--url", url, "--token", "x"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and url in error


def test_every_admitted_request_ends_in_one_outcome():
    roster = Roster(["ada"], Limits(rpm=0, concurrent=2, budget=0))
    for outcome in ("complete", "error", "stopped", "replayed"):
        assert roster.admit("ada") is None
        roster.finish("ada", outcome, output_tokens=5)
    tally = roster.snapshot()[0]
    assert (
        tally["requests"]
        == 4
        == sum(tally[o] for o in ("complete", "error", "stopped", "replayed"))
    )
    assert tally["output_tokens"] == 20 and tally["active"] == 0 and tally["budget_left"] is None


STREAM = b"".join(
    f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()
    for kind, data in [
        (
            "message_start",
            {
                "type": "message_start",
                "message": {"usage": {"input_tokens": 21, "output_tokens": 1}},
            },
        ),
        ("content_block_delta", {"type": "content_block_delta", "delta": {"text": "日本語 ok"}}),
        ("ping", {"type": "ping"}),
        ("message_delta", {"type": "message_delta", "usage": {"output_tokens": 37}}),
        ("message_stop", {"type": "message_stop"}),
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=12))
def test_usage_is_read_however_the_bytes_are_cut(cuts):
    meter = UsageMeter()
    edges = [0, *sorted(cuts), len(STREAM)]
    for start, end in itertools.pairwise(edges):
        meter.feed(STREAM[start:end])
    assert (meter.input_tokens, meter.output_tokens, meter.stopped, meter.error) == (
        21,
        37,
        True,
        "",
    )


def test_an_error_event_is_noticed_and_the_key_is_scrubbed_everywhere():
    meter = UsageMeter()
    meter.feed(b'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error"}}\n\n')
    assert meter.error == "overloaded_error" and not meter.stopped
    scrubber = Scrubber(FAKE_KEY)
    headers = scrubber.headers(
        [
            ("Content-Type", "text/event-stream"),
            ("x-api-key", FAKE_KEY),
            ("request-id", "req_1"),
            ("retry-after", FAKE_KEY),
            ("set-cookie", "a=b"),
        ]
    )
    assert headers == {"content-type": "text/event-stream", "request-id": "req_1"}
    key = FAKE_KEY.encode()
    assert scrubber.clean(b"a " + key + b" b " + key) == b"a [hidden] b [hidden]"
