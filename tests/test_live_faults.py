"""Faults of a live API, served by a real loopback server, through every front end.

Each fault goes through the printers (sync and async), the terminal chat and the chat panel:
what arrived stays, one line names the error and what to do, and no traceback is printed.
Network stays on 127.0.0.1; the slowest case (a stall) waits one short read timeout.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, replace

import anthropic
import httpx2
import pytest

from streaming_course.chat import panel as panel_module
from streaming_course.chat.panel import ChatPanel
from streaming_course.chat.terminal import run_terminal_chat, scripted
from streaming_course.events import read_events
from streaming_course.failures import describe_failure
from streaming_course.i18n import message
from streaming_course.printers import aprint_markdown, aprint_text, print_markdown, print_text
from streaming_course.replay.fixture import Fixture, FixtureError, TimedEvent
from streaming_course.replay.synth import http_error
from streaming_course.silence import AsyncSilenceWatch, SilenceWatch, read_timeout
from tests.chatbot_fixtures import question, use_strict_replay
from tests.loopback import serve
from tests.streams import MODEL, request, text_fixture

REQUEST = request("Hi")
DELTAS = ["The tide ", "comes in ", "twice ", "a day, ", "pulled by ", "the moon."]
BEFORE_THE_FAULT = "".join(DELTAS[:3])
READ_TIMEOUT = 0.6  # seconds: the stall below is longer
KEY = "sk-ant-api03-" + "f4ult" * 8  # the loopback server ignores it; it must never be shown


def stalled() -> Fixture:
    """Three deltas, then nothing for 3 s (past the read timeout), then the rest."""
    fixture = text_fixture(DELTAS, req=REQUEST, gap=0.01)
    late = [replace(event, at=event.at + 3.0) for event in fixture.events[6:]]
    return replace(fixture, events=[*fixture.events[:6], *late])


def malformed() -> Fixture:
    """A text delta whose text is a number, as a broken proxy might send."""
    fixture = text_fixture(DELTAS[:3], req=REQUEST, fault="truncate", gap=0.01)
    data = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": 7}}
    bad = TimedEvent(at=0.1, wire=f"event: content_block_delta\ndata: {json.dumps(data)}\n")
    return replace(fixture, events=[*fixture.events, bad])


def html_500() -> Fixture:
    page = "<html><body><h1>500 Internal Server Error</h1><hr>nginx</body></html>"
    return Fixture(
        request=REQUEST,
        status=500,
        body_kind="json",
        headers={"content-type": "text/html"},
        json_body=page,
        latency=0.02,
    )


@dataclass(frozen=True)
class Fault:
    name: str
    fixture: Fixture
    says: tuple[str, ...]  # what the one line must contain
    mid_stream: bool  # True: the stream began, so there is partial text to keep


FAULTS = [
    Fault(
        "429 retry-after",
        http_error(REQUEST, 429, "rate_limit_error", "Slow down", latency=0.02),
        ("429 rate_limit_error", "asks to wait 1 s"),
        mid_stream=False,
    ),
    Fault(
        "529 before the stream",
        http_error(REQUEST, 529, "overloaded_error", "Overloaded", latency=0.02),
        ("529 overloaded_error", "busy"),
        mid_stream=False,
    ),
    Fault(
        "error event",
        text_fixture(DELTAS[:3], req=REQUEST, fault="error", gap=0.01),
        ("error event", "overloaded_error"),
        mid_stream=True,
    ),
    Fault(
        "dropped",
        text_fixture(DELTAS[:3], req=REQUEST, fault="disconnect", gap=0.01),
        ("connection dropped", "RemoteProtocolError"),
        mid_stream=True,
    ),
    Fault("stall", stalled(), ("connection dropped", "ReadTimeout"), mid_stream=True),
    Fault("html 500", html_500(), ("500", "HTML page"), mid_stream=False),
    Fault("malformed", malformed(), ("could not be read",), mid_stream=True),
]
FAULTS[0].fixture.headers["retry-after"] = "1"
IDS = [fault.name for fault in FAULTS]


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    use_strict_replay(monkeypatch, 0)


def sync_client(url: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key=KEY, base_url=url, max_retries=0, timeout=READ_TIMEOUT)


def async_client(url: str) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(api_key=KEY, base_url=url, max_retries=0, timeout=READ_TIMEOUT)


def assert_one_clear_line(output: str, fault: Fault) -> None:
    """The output keeps what arrived and has one ⚠ line saying what happened; no traceback."""
    assert "Traceback" not in output and KEY not in output
    if fault.mid_stream:
        assert BEFORE_THE_FAULT in output
    warnings = [line for line in output.splitlines() if "⚠" in line]
    assert len(warnings) == 1, output
    assert all(part in warnings[0] for part in fault.says), warnings[0]


# --- Printers --------------------------------------------------------------------------------

PRINTERS = {"print_text": print_text, "print_markdown": print_markdown}
ASYNC_PRINTERS = {"aprint_text": aprint_text, "aprint_markdown": aprint_markdown}


@pytest.mark.parametrize("fault", [f for f in FAULTS if f.mid_stream], ids=lambda f: f.name)
@pytest.mark.parametrize("printer", [*PRINTERS, *ASYNC_PRINTERS])
def test_a_fault_mid_stream_through_the_printers(fault, printer, capsys):
    with serve(fault.fixture) as (url, _):
        if printer in PRINTERS:
            stream = sync_client(url).messages.create(**REQUEST)
            outcome = PRINTERS[printer](stream)
        else:

            async def run():
                stream = await async_client(url).messages.create(**REQUEST)
                return await ASYNC_PRINTERS[printer](stream)

            outcome = asyncio.run(run())
    out = capsys.readouterr().out
    assert not outcome.complete and outcome.text == BEFORE_THE_FAULT
    line = outcome.description
    assert all(part in line for part in fault.says) and "\n" not in line
    assert out.rstrip().endswith(line)
    assert "Traceback" not in out and BEFORE_THE_FAULT in out


@pytest.mark.parametrize("fault", [f for f in FAULTS if not f.mid_stream], ids=lambda f: f.name)
def test_a_fault_before_the_stream_is_the_sdks_typed_error(fault):
    """Before a stream exists there is nothing for a printer to show: `create` raises the
    SDK's own error, whose name and one-line message say what happened."""
    expected = {429: anthropic.RateLimitError, 529: anthropic.OverloadedError}
    with serve(fault.fixture) as (url, _), pytest.raises(anthropic.APIStatusError) as caught:
        sync_client(url).messages.create(**REQUEST)
    error = caught.value
    assert isinstance(error, expected.get(error.status_code, anthropic.InternalServerError))
    assert error.status_code == fault.fixture.status


# --- The terminal chat ------------------------------------------------------------------------


@pytest.mark.parametrize("fault", FAULTS, ids=IDS)
def test_a_fault_in_the_terminal_chat_is_one_line_and_the_chat_goes_on(fault, capsys):
    with serve(fault.fixture, text_fixture(DELTAS, req=REQUEST)) as (url, _):
        chat = run_terminal_chat(
            sync_client(url), MODEL, read_line=scripted(["Hi", "/retry", "/quit"])
        )
    out = capsys.readouterr().out
    first_reply = out.split("You> /retry")[0]
    assert_one_clear_line(first_reply, fault)
    assert "Type /retry to ask again." in first_reply
    # the chat went on: /retry got the whole reply, and the history is valid
    assert out.rstrip().endswith("You> /quit")
    assert chat.turns[-1].complete and chat.turns[-1].reply == "".join(DELTAS)
    assert [m["role"] for m in chat.messages] == ["user", "assistant"]


# --- The chat panel ---------------------------------------------------------------------------


def status_of(panel: ChatPanel) -> str:
    return panel.transcript.children[-1].children[2].value


@pytest.mark.parametrize("fault", FAULTS, ids=IDS)
def test_a_fault_in_the_chat_panel_is_one_line_and_exported(fault):
    async def scenario() -> ChatPanel:
        with serve(fault.fixture) as (url, _):
            panel = ChatPanel(client=async_client(url), model=MODEL)
            await panel.send("Hi")
        return panel

    panel = asyncio.run(scenario())
    status = status_of(panel)
    shown = status.partition("<details>")[0]
    assert "streaming-chat-problem" in shown and "Traceback" not in shown
    assert all(part in shown for part in fault.says), shown
    assert "Retry asks the question again." in shown
    assert KEY not in status
    turn = panel.turns[-1]
    assert not turn.complete and panel.messages == []
    if fault.mid_stream:
        assert turn.reply == BEFORE_THE_FAULT
    markdown = panel.to_markdown()
    assert "**You:** Hi" in markdown and f"> {turn.problem()}" in markdown
    assert json.loads(panel.to_json())["turns"][-1]["ending"] == turn.ending


def test_the_panel_shows_a_bad_setting_instead_of_raising(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-" + "x" * 20 + " ")

    async def scenario() -> ChatPanel:
        panel = ChatPanel()  # must not raise
        await asyncio.wait([panel.send("Hi")])
        return panel

    panel = asyncio.run(scenario())
    assert "ends with a space" in panel.header.value
    assert "ends with a space" in status_of(panel) and not panel.busy
    assert panel.turns[-1].ending == "failed"
    assert "ends with a space" in panel.to_markdown()


def test_a_bad_fixture_file_does_not_stop_the_panel(monkeypatch, tmp_path):
    (tmp_path / "broken.sse").write_text(": streaming-course fixture v9\n: what\n", "utf-8")
    monkeypatch.setenv("STREAMING_COURSE_FIXTURES", str(tmp_path))

    async def scenario() -> ChatPanel:
        panel = ChatPanel()  # must not raise
        await panel.send(question("herbs-1"))
        return panel

    panel = asyncio.run(scenario())
    assert panel.setup_error is None and panel.turns[-1].complete


def test_a_library_that_cannot_be_read_is_shown_in_the_panel(monkeypatch):
    def unreadable(*_args, **_kwargs):
        raise FixtureError("recordings/x.sse:3: cannot read 'what' = ''.")

    monkeypatch.setattr(panel_module, "make_async_client", unreadable)

    async def scenario() -> ChatPanel:
        panel = ChatPanel()  # must not raise
        await asyncio.wait([panel.send("Hi")])
        return panel

    panel = asyncio.run(scenario())
    assert "recordings/x.sse:3" in panel.header.value and "⚠" in panel.header.value
    assert "recordings/x.sse:3" in status_of(panel) and not panel.busy
    assert panel.turns[-1].ending == "failed" and "recordings/x.sse:3" in panel.to_markdown()


# --- Silence: a stall is announced while it lasts ----------------------------------------------


def long_stall() -> Fixture:
    """Three deltas, 1.6 s of nothing, then the rest: shorter than the read timeout below."""
    fixture = text_fixture(DELTAS, req=REQUEST, gap=0.01)
    late = [replace(event, at=event.at + 1.6) for event in fixture.events[6:]]
    return replace(fixture, events=[*fixture.events[:6], *late])


def patient_client(url: str, kind=anthropic.Anthropic):
    return kind(api_key=KEY, base_url=url, max_retries=0, timeout=30)


def test_the_terminal_chat_says_when_nothing_arrives(capsys):
    with serve(long_stall()) as (url, _):
        chat = run_terminal_chat(
            patient_client(url), MODEL, read_line=scripted(["Hi"]), silence_after=1.0
        )
    out = capsys.readouterr().out
    notices = [line for line in out.splitlines() if line.startswith("⏳ No data for")]
    assert len(notices) == 1, out
    assert "Ctrl-C gives up" in notices[0] and "the read timeout is 30 s" in notices[0]
    assert chat.turns[-1].complete and chat.turns[-1].reply == "".join(DELTAS)
    assert out.index(BEFORE_THE_FAULT) < out.index("⏳") < out.index("a day")


def test_the_panel_says_when_nothing_arrives_then_streams_on():

    async def scenario() -> tuple[ChatPanel, list[str]]:
        seen: list[str] = []
        with serve(long_stall()) as (url, _):
            panel = ChatPanel(client=patient_client(url, anthropic.AsyncAnthropic), model=MODEL)
            panel.conversation.silence_after = 1.0
            task = panel.send("Hi")
            while not task.done():
                seen.append(status_of(panel))
                await asyncio.sleep(0.05)
        return panel, seen

    panel, seen = asyncio.run(scenario())
    statuses = [status for status, _ in itertools.groupby(seen)]  # each change once
    silent = [s for s in statuses if "No data for" in s]
    assert len(silent) == 1 and "Stop gives up" in silent[0] and "30 s" in silent[0]
    after = statuses[statuses.index(silent[0]) + 1 :]
    assert any("Streaming" in s for s in after), "the notice goes when data comes back"
    assert panel.turns[-1].complete and "No data" not in status_of(panel)


@pytest.mark.parametrize("twin", ["sync", "async"])
def test_a_silence_watch_over_a_raw_stream(twin):
    """How a printer uses the watch: poke per event; one notice per stall, with the timeout."""
    notices: list[tuple[float, float | None]] = []
    with serve(long_stall()) as (url, _):
        if twin == "sync":
            stream = patient_client(url).messages.create(**REQUEST)
            timeout = read_timeout(stream)
            with SilenceWatch(lambda s: notices.append((s, timeout)), after=0.8) as watch:
                for _event in read_events(stream):
                    watch.poke()
        else:

            async def run() -> None:
                client = patient_client(url, anthropic.AsyncAnthropic)
                stream = await client.messages.create(**REQUEST)
                timeout = read_timeout(stream)
                on_silence = lambda s: notices.append((s, timeout))  # noqa: E731
                async with AsyncSilenceWatch(on_silence, after=0.8) as watch:
                    async for _event in stream:
                        watch.poke()

            asyncio.run(run())
    assert len(notices) == 1
    seconds, timeout = notices[0]
    assert 0.8 <= seconds < 1.6 and timeout == 30.0


# --- One turn model: every question the panel shows is a turn of the conversation ------------


def test_every_question_in_the_panel_is_a_turn_and_retry_replaces_it(monkeypatch):
    async def broken(question, on_text=None, on_silence=None):
        raise RuntimeError("something broke")

    async def scenario() -> ChatPanel:
        panel = ChatPanel()
        await panel.send(question("herbs-1"))
        stopped = panel.send("never sent")
        panel.stop()  # before the request went out
        await asyncio.wait([stopped])
        real = panel.conversation.astream_reply
        monkeypatch.setattr(panel.conversation, "astream_reply", broken)
        await asyncio.wait([panel.retry()])  # the stopped question, asked again: a bug
        assert [t.ending for t in panel.turns] == ["complete", "failed"]
        assert "Something went wrong: RuntimeError: something broke" in status_of(panel)
        monkeypatch.setattr(panel.conversation, "astream_reply", real)
        await asyncio.wait([panel.retry()])  # and again: strict replay has no such recording
        return panel

    panel = asyncio.run(scenario())
    assert len(panel.turns) == len(panel.transcript.children) == 2
    assert panel.turns[-1].question == "never sent" and panel.turns[-1].ending == "failed"
    assert "No replay fixture matches" in panel.turns[-1].note
    assert panel.to_markdown().count("**You:**") == 2


def test_a_failure_line_in_japanese_keeps_the_apis_english_apart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No 「。」 glued to the API's English words, no half-width space between sentences."""
    request = httpx2.Request("POST", "http://127.0.0.1/v1/messages")
    response = httpx2.Response(529, request=request, json={"error": {"type": "overloaded_error"}})
    error = anthropic.InternalServerError("Overloaded", response=response, body=None)
    line = message("chat.failed", "ja", detail="529 overloaded_error: Overloaded")
    assert line == "⚠ リクエストが失敗しました（529 overloaded_error: Overloaded）。"
    monkeypatch.setenv("STREAMING_COURSE_LANG", "ja")
    described = describe_failure(error)
    assert described.startswith("⚠ リクエストが失敗しました（529 ")
    assert "）。" in described and "。 " not in described
