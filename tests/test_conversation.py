"""One turn's logic, the history's rules, and the terminal chat built on them."""

from __future__ import annotations

import argparse
import asyncio
import io
import json

import anthropic
import pytest

from streaming_course import make_async_client, make_client
from streaming_course.chat import terminal
from streaming_course.chat.terminal import add_chat_command, run_terminal_chat, scripted
from streaming_course.conversation import Conversation, Turn
from tests.chatbot_fixtures import question, reply, use_strict_replay
from tests.streams import MODEL, async_client_for, client_for, request, text_fixture


@pytest.fixture(autouse=True)
def replay(monkeypatch: pytest.MonkeyPatch) -> None:
    """Strict replay of the shipped fixtures, no waiting, English messages, no key."""
    use_strict_replay(monkeypatch, 0)


def conversation(**options: object) -> Conversation:
    return Conversation(make_async_client(banner=False), MODEL, **options)


def assert_valid(messages: list[dict[str, str]]) -> None:
    """Starts with a user message, roles alternate, ends with the assistant, nothing empty."""
    roles = [entry["role"] for entry in messages]
    assert roles == ["user", "assistant"] * (len(roles) // 2)
    assert all(entry["content"].strip() for entry in messages)


def test_a_complete_turn_goes_into_the_history_with_its_figures():
    chat = conversation()
    pieces: list[str] = []
    turn = asyncio.run(chat.astream_reply(question("herbs-1"), on_text=pieces.append))
    assert turn.complete and turn.in_history
    assert turn.reply == "".join(pieces) == reply("herbs-1")
    assert len(pieces) > 10  # it streamed
    assert turn.stop_reason == "end_turn"
    assert turn.output_tokens and turn.input_tokens and turn.ttft is not None
    assert turn.tokens_per_second and turn.tokens_per_second > 0
    assert chat.messages == [
        {"role": "user", "content": question("herbs-1")},
        {"role": "assistant", "content": reply("herbs-1")},
    ]


def test_later_turns_are_sent_with_the_whole_history():
    """Strict replay matches whole requests: each turn finds its fixture only with the history."""
    chat = conversation()

    async def three_turns() -> list[Turn]:
        return [await chat.astream_reply(question(f"herbs-{n}")) for n in (1, 2, 3)]

    turns = asyncio.run(three_turns())
    assert [turn.reply for turn in turns] == [reply(f"herbs-{n}") for n in (1, 2, 3)]
    assert len(chat.messages) == 6
    assert_valid(chat.messages)


def test_an_overloaded_reply_keeps_its_partial_text_but_not_its_place_in_the_history():
    chat = conversation()
    turn = asyncio.run(chat.astream_reply(question("watering-overloaded")))
    assert turn.ending == "error_event"
    assert turn.reply and reply("watering-overloaded").startswith(turn.reply)
    assert not turn.in_history and chat.messages == []
    assert "overloaded_error" in turn.note
    assert "left out of the history" in turn.problem()
    assert isinstance(turn.error, anthropic.APIStatusError)


def test_keep_partial_keeps_the_partial_reply_as_the_assistant_turn():
    chat = conversation(keep_partial=True)
    turn = asyncio.run(chat.astream_reply(question("watering-overloaded")))
    assert turn.in_history and "kept in the history" in turn.problem()
    assert chat.messages[-1] == {"role": "assistant", "content": turn.reply}
    assert_valid(chat.messages)


def test_a_dropped_connection_mid_conversation_leaves_the_history_as_it_was():
    chat = conversation()

    async def talk() -> Turn:
        await chat.astream_reply(question("herbs-1"))
        return await chat.astream_reply(question("feeding-dropped"))

    turn = asyncio.run(talk())
    assert turn.ending == "dropped" and turn.reply
    assert len(chat.messages) == 2
    assert_valid(chat.messages)


def test_a_truncated_stream_is_not_complete():
    fixture = text_fixture(["Half of", " a reply"], fault="truncate")
    chat = Conversation(async_client_for(fixture), MODEL, max_tokens=1024)
    turn = asyncio.run(chat.astream_reply("Hello"))
    assert turn.ending == "truncated" and turn.reply == "Half of a reply"
    assert chat.messages == []


def test_a_rate_limit_that_outlasts_the_retries_fails_the_turn_in_one_line():
    chat = conversation()  # the SDK's default: two retries, each 429 asks to wait 0.1 s
    turn = asyncio.run(chat.astream_reply(question("garden-name-rate-limited-1")))
    assert turn.ending == "failed" and turn.reply == ""
    assert isinstance(turn.error, anthropic.RateLimitError)
    assert "SDK retries: 2" in turn.note and "429 rate_limit_error" in turn.note
    assert "\n" not in turn.note
    assert chat.messages == []


def test_an_unknown_model_fails_the_turn_with_the_404():
    chat = Conversation(make_async_client(banner=False), "claude-nonexistent-model")
    turn = asyncio.run(chat.astream_reply(question("herbs-1")))
    assert turn.ending == "failed" and isinstance(turn.error, anthropic.NotFoundError)
    assert "404 not_found_error: model: claude-nonexistent-model" in turn.note
    assert "SDK retries" not in turn.note  # a 404 is not retried
    assert chat.messages == []


def test_cancelling_the_task_stops_the_reply_and_records_it():
    fixture = text_fixture([f"word{n} " for n in range(50)], gap=0.01)
    chat = Conversation(async_client_for(fixture, speed=1.0), MODEL)

    async def stop_midway() -> None:
        task = asyncio.create_task(chat.astream_reply("Hello"))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(stop_midway())
    turn = chat.turns[-1]
    assert turn.ending == "stopped" and turn.reply.startswith("word0 ")
    assert len(turn.reply) < len("".join(f"word{n} " for n in range(50)))
    assert chat.messages == []


def test_ctrl_c_stops_a_sync_reply_and_records_it():
    fixture = text_fixture([f"word{n} " for n in range(20)])
    chat = Conversation(client_for(fixture), MODEL)
    pieces: list[str] = []

    def interrupt_at_the_fifth_piece(text: str) -> None:
        pieces.append(text)
        if len(pieces) == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        chat.stream_reply("Hello", on_text=interrupt_at_the_fifth_piece)
    turn = chat.turns[-1]
    assert turn.ending == "stopped" and turn.reply == "".join(pieces)
    assert chat.messages == []


def test_the_sync_twin_streams_with_a_sync_client():
    chat = Conversation(make_client(banner=False), MODEL)
    turn = chat.stream_reply(question("herbs-1"))
    assert turn.complete and len(chat.messages) == 2


def test_each_method_refuses_the_other_kind_of_client():
    with pytest.raises(TypeError, match=r"use stream_reply\."):
        asyncio.run(Conversation(make_client(banner=False), MODEL).astream_reply("Hi"))
    with pytest.raises(TypeError, match=r"use astream_reply\."):
        Conversation(make_async_client(banner=False), MODEL).stream_reply("Hi")


def test_retry_after_a_failed_turn_asks_the_same_question_again():
    chat = conversation()

    async def ask_then_retry() -> Turn:
        await chat.astream_reply(question("herbs-1"))
        await chat.astream_reply("A question with no recording")  # strict replay: a 404
        return await chat.aretry()

    turn = asyncio.run(ask_then_retry())
    assert turn.ending == "failed" and turn.question == "A question with no recording"
    assert len(chat.turns) == 2 and len(chat.messages) == 2


def test_retry_replaces_a_complete_turn_and_its_messages():
    chat = conversation()
    asyncio.run(chat.astream_reply(question("herbs-1")))
    turn = asyncio.run(chat.aretry())
    assert turn.complete and len(chat.turns) == 1
    assert len(chat.messages) == 2


def test_an_overloaded_reply_asked_again_completes():
    """The shipped history fails once mid-reply, then answers: the course's retry story."""
    chat = conversation()

    async def talk() -> list[Turn]:
        for n in (1, 2, 3):
            await chat.astream_reply(question(f"herbs-{n}"))
        broken = await chat.astream_reply(question("herbs-4"))
        return [broken, await chat.aretry()]

    broken, again = asyncio.run(talk())
    assert broken.ending == "error_event" and again.complete
    assert again.reply == reply("herbs-4")
    assert len(chat.turns) == 4 and len(chat.messages) == 8
    assert_valid(chat.messages)


def test_retry_with_nothing_asked_says_so():
    with pytest.raises(ValueError, match="no question"):
        conversation().undo_last_turn()


def test_clear_forgets_everything():
    chat = conversation()
    asyncio.run(chat.astream_reply(question("herbs-1")))
    chat.clear()
    assert chat.messages == [] and chat.turns == []


def test_messages_is_a_copy():
    chat = conversation()
    asyncio.run(chat.astream_reply(question("herbs-1")))
    chat.messages.append({"role": "user", "content": "sneaked in"})
    chat.messages[0]["content"] = "changed"
    assert len(chat.messages) == 2 and chat.messages[0]["content"] == question("herbs-1")


def test_the_history_stays_valid_whatever_happens():
    """Every way a turn can end, one after the other: the history never breaks the rules."""
    chat = conversation()
    names = ["herbs-1", "feeding-dropped", "herbs-2", "herbs-3", "garden-name-rate-limited-1"]

    async def talk() -> None:
        for name in names:
            await chat.astream_reply(question(name))
            assert_valid(chat.messages)

    asyncio.run(talk())
    assert [turn.ending for turn in chat.turns] == [
        "complete",
        "dropped",
        "complete",
        "complete",
        "failed",
    ]


def test_markdown_and_json_exports_mark_incomplete_replies():
    chat = conversation()

    async def talk() -> None:
        await chat.astream_reply(question("herbs-1"))
        await chat.astream_reply(question("feeding-dropped"))

    asyncio.run(talk())
    chat.system = "Answer briefly."  # set after the talk: the fixtures have no system prompt
    markdown = chat.to_markdown()
    assert markdown.startswith(f"# Conversation with {MODEL}\n")
    assert "*System prompt:* Answer briefly." in markdown
    assert f"**You:** {question('herbs-1')}" in markdown
    assert reply("herbs-1") in markdown
    assert "> ⚠ The connection dropped" in markdown

    data = json.loads(chat.to_json())
    assert data["model"] == MODEL and data["system"] == "Answer briefly."
    assert data["messages"] == chat.messages
    assert [turn["ending"] for turn in data["turns"]] == ["complete", "dropped"]
    assert data["turns"][1]["error"].startswith("RemoteProtocolError: ")
    assert data["turns"][1]["in_history"] is False


def test_a_turn_says_nothing_is_wrong_when_complete():
    turn = Turn("Hi", "Hello!", "complete", "done", in_history=True, ttft=0.25)
    assert turn.problem() == ""
    assert turn.figures() == "first token after 0.25 s"


def test_requests_carry_the_system_prompt_only_when_set():
    fixture = text_fixture(["Hi!"], req=request("Hello", system="Be brief."))
    chat = Conversation(async_client_for(fixture), MODEL, system="Be brief.")
    assert asyncio.run(chat.astream_reply("Hello")).complete


# --- The terminal front end ------------------------------------------------------------------


def test_the_terminal_chat_streams_replies_and_runs_its_commands(tmp_path, capsys):
    saved = tmp_path / "chat.md"
    lines = [
        question("herbs-1"),
        "/retry",
        f"/save {saved}",
        "/save",
        "/clear",
        "/retry",
        "/nonsense",
        "",
        "/quit",
        "never read",
    ]
    chat = run_terminal_chat(make_client(banner=False), read_line=scripted(lines))
    out = capsys.readouterr().out
    assert out.startswith(f"Chatting with {MODEL}.")
    assert f"You> {question('herbs-1')}\nClaude: {reply('herbs-1')}\n" in out
    assert out.count(reply("herbs-1")) == 2  # asked, then asked again
    assert "stop reason: end_turn" in out
    assert f"Saved the conversation to {saved}." in out
    assert saved.read_text("utf-8").startswith(f"# Conversation with {MODEL}")
    assert "Name the file to save to" in out and "Cleared" in out
    assert "There is no question to ask again yet." in out
    assert "Unknown command /nonsense" in out
    assert "never read" not in out
    assert chat.turns == []


def test_ctrl_c_in_the_terminal_stops_the_reply_and_the_chat_goes_on(monkeypatch, capsys):
    shown: list[str] = []

    def print_until_ctrl_c(text: str) -> None:
        shown.append(text)
        if len(shown) == 5:
            raise KeyboardInterrupt
        print(text, end="", flush=True)

    monkeypatch.setattr(terminal, "_print_piece", print_until_ctrl_c)
    lines = [question("herbs-1"), "/quit"]
    chat = run_terminal_chat(make_client(banner=False), read_line=scripted(lines))
    out = capsys.readouterr().out
    assert "■ Reading stopped" in out and "left out of the history" in out
    assert out.rstrip().endswith("You> /quit")
    assert chat.turns[0].ending == "stopped" and chat.messages == []


def test_ctrl_d_ends_the_terminal_chat(capsys):
    chat = run_terminal_chat(make_client(banner=False), read_line=scripted([]))
    assert chat.turns == [] and capsys.readouterr().out.endswith("\n")


def test_the_chat_command_line(monkeypatch, capsys):
    parser = argparse.ArgumentParser(prog="streaming-course")
    add_chat_command(parser.add_subparsers())
    args = parser.parse_args(["chat", "--model", MODEL, "--system", "Be brief."])
    assert (args.model, args.system, args.max_tokens, args.keep_partial) == (
        MODEL,
        "Be brief.",
        1024,
        False,
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("/quit\n"))
    assert args.func(args) == 0
    assert f"Chatting with {MODEL}." in capsys.readouterr().out


# --- Faults and silences: one line, the partial reply kept, the conversation goes on ---------


def test_a_surprise_mid_reply_fails_the_turn_but_keeps_the_conversation():
    chat = Conversation(client_for(text_fixture(["One ", "two ", "three"])), MODEL)
    pieces: list[str] = []

    def break_at_the_third_piece(text: str) -> None:
        if len(pieces) == 2:
            raise ValueError("the screen went away")
        pieces.append(text)

    turn = chat.stream_reply("Hello", on_text=break_at_the_third_piece)
    assert turn.ending == "failed" and turn.reply == "One two three"  # all that arrived
    assert turn.note == "⚠ Something went wrong: ValueError: the screen went away"
    assert chat.messages == [] and chat.turns == [turn]
    assert "> ⚠ Something went wrong" in chat.to_markdown()


def test_a_malformed_live_event_ends_the_turn_in_one_line():
    fixture = text_fixture(["Half ", "a reply"], fault="truncate")
    bad = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": 7}}
    fixture.events.append(
        type(fixture.events[0])(
            at=0.0, wire=f"event: content_block_delta\ndata: {json.dumps(bad)}\n"
        )
    )
    chat = Conversation(async_client_for(fixture), MODEL)
    turn = asyncio.run(chat.astream_reply("Hello"))
    assert turn.ending == "malformed" and turn.reply == "Half a reply"
    assert "could not be read" in turn.problem() and "\n" not in turn.problem()
    assert turn.retry_may_help and chat.messages == []
    assert json.loads(chat.to_json())["turns"][0]["ending"] == "malformed"


def test_a_question_that_never_left_is_recorded_with_its_reason():
    chat = conversation()
    stopped = chat.record_unsent("Hi")
    failed = chat.record_unsent("Hi again", ValueError("Set STREAMING_COURSE_MODE first.\nmore"))
    assert stopped.ending == "stopped" and not stopped.retry_may_help
    assert failed.ending == "failed" and failed.note == "⚠ Set STREAMING_COURSE_MODE first."
    assert chat.turns == [stopped, failed] and chat.messages == []
    assert chat.undo_last_turn() == "Hi again"


@pytest.mark.parametrize(
    ("status", "error_type", "headers", "says"),
    [
        (429, "rate_limit_error", {"retry-after": "3"}, "The API asks to wait 3 s"),
        (429, "rate_limit_error", {"retry-after-ms": "1500"}, "The API asks to wait 1.5 s"),
        (429, "rate_limit_error", {}, "Wait a minute"),
        (529, "overloaded_error", {}, "The API is busy"),
        (500, "api_error", {}, "The API had a problem"),
        (401, "authentication_error", {}, "check ANTHROPIC_API_KEY"),
        (400, "invalid_request_error", {}, "says what to change"),
    ],
)
def test_a_refused_request_says_what_to_do(status, error_type, headers, says):
    from streaming_course.replay.synth import http_error

    fixture = http_error(request("Hello"), status, error_type, "No.")
    fixture.headers.update(headers)
    chat = Conversation(client_for(fixture), MODEL)
    turn = chat.stream_reply("Hello")
    assert turn.ending == "failed" and "\n" not in turn.note
    assert f"{status} {error_type}: No" in turn.note and says in turn.note
    assert turn.retry_may_help == (status in (429, 500, 529))


def test_an_html_error_page_is_named_not_dumped():
    from streaming_course.replay.fixture import Fixture

    page = "<html>\n<body><h1>502 Bad Gateway</h1></body>\n</html>"
    fixture = Fixture(request=request("Hello"), status=502, body_kind="json", json_body=page)
    fixture.headers["content-type"] = "text/html"
    turn = Conversation(client_for(fixture), MODEL).stream_reply("Hello")
    assert "502" in turn.note and "an HTML page instead of the API's JSON" in turn.note
    assert "<h1>" not in turn.note


def stalled_fixture(stall: float) -> object:
    """Two deltas, `stall` seconds of nothing, then the rest of the reply."""
    from dataclasses import replace

    fixture = text_fixture(["The tide ", "comes in ", "twice a day."], gap=0.01)
    events = [*fixture.events[:5], *(replace(e, at=e.at + stall) for e in fixture.events[5:])]
    return replace(fixture, events=events)


def test_a_stall_is_announced_once_by_the_sync_and_the_async_twins():
    heard: list[float] = []
    chat = Conversation(client_for(stalled_fixture(1.0), speed=1.0), MODEL, silence_after=0.4)
    assert chat.stream_reply("Hello", on_silence=heard.append).complete
    assert len(heard) == 1 and 0.4 <= heard[0] < 1.0

    heard.clear()
    chat = Conversation(async_client_for(stalled_fixture(1.0), speed=1.0), MODEL, silence_after=0.4)
    assert asyncio.run(chat.astream_reply("Hello", on_silence=heard.append)).complete
    assert len(heard) == 1 and 0.4 <= heard[0] < 1.0


def test_no_silence_is_announced_when_the_stream_flows():
    heard: list[float] = []
    fixture = text_fixture([f"word{n} " for n in range(30)], gap=0.02)
    chat = Conversation(client_for(fixture, speed=1.0), MODEL, silence_after=0.3)
    assert chat.stream_reply("Hello", on_silence=heard.append).complete
    assert heard == []


# --- One turn model: stop, retry and clear belong to the conversation ------------------------


def slow_words(count: int = 50) -> Conversation:
    fixture = text_fixture([f"word{n} " for n in range(count)], gap=0.01)
    return Conversation(async_client_for(fixture, speed=1.0), MODEL)


def test_stop_ends_the_started_task_with_the_stopped_turn():
    chat = slow_words()
    pieces: list[str] = []

    async def stop_midway() -> asyncio.Task[Turn]:
        task = chat.start(chat.astream_reply("Hello", on_text=pieces.append))
        await asyncio.sleep(0.2)
        assert chat.busy
        chat.stop()
        await asyncio.wait([task])
        return task

    task = asyncio.run(stop_midway())
    assert not task.cancelled() and task.result() is chat.turns[-1]
    turn = task.result()
    assert turn.ending == "stopped" and turn.reply == "".join(pieces)
    assert 0 < len(pieces) < 50 and not chat.busy and chat.messages == []


def test_stop_before_the_task_starts_sends_nothing_and_records_the_turn():
    chat = slow_words()

    async def stop_at_once() -> Turn:
        task = chat.start(chat.astream_reply("Hello"))
        chat.stop()  # the task has not taken a step yet
        return await task

    turn = asyncio.run(stop_at_once())
    assert turn.ending == "stopped" and turn.reply == "" and chat.turns == [turn]
    assert "■" in turn.note and not turn.retry_may_help


def test_a_started_retry_replaces_the_last_turn():
    chat = conversation()

    async def ask_then_retry() -> Turn:
        await chat.astream_reply(question("herbs-1"))
        return await chat.start(chat.aretry())

    turn = asyncio.run(ask_then_retry())
    assert turn.complete and chat.turns == [turn] and len(chat.messages) == 2


def test_clear_while_a_reply_streams_stops_it_and_forgets_its_turn():
    chat = slow_words()

    async def clear_midway() -> Turn:
        task = chat.start(chat.astream_reply("Hello"))
        await asyncio.sleep(0.2)
        chat.clear()
        return await task

    turn = asyncio.run(clear_midway())
    assert turn.ending == "stopped" and chat.turns == [] and chat.messages == []


def test_a_second_reply_while_one_streams_is_refused():
    chat = slow_words()

    async def two_at_once() -> None:
        task = chat.start(chat.astream_reply("Hello"))
        with pytest.raises(RuntimeError, match="still streaming"):
            chat.start(chat.astream_reply("Hello again"))
        chat.stop()
        await task

    asyncio.run(two_at_once())
    assert len(chat.turns) == 1


def test_a_client_that_cannot_be_made_is_the_turns_failure():
    def connect() -> anthropic.AsyncAnthropic:
        raise OSError("Set STREAMING_COURSE_FIXTURES to a folder that exists.")

    chat = Conversation(None, MODEL, connect=connect)
    turn = asyncio.run(chat.astream_reply("Hi"))
    assert turn.ending == "failed" and turn.note.startswith("⚠ Set STREAMING_COURSE_FIXTURES")
    assert chat.turns == [turn] and chat.client is None


def test_the_problem_line_in_japanese_has_no_space_after_the_full_stop(monkeypatch):
    monkeypatch.setenv("STREAMING_COURSE_LANG", "ja")
    turn = Turn("こんにちは", "途中", "dropped", "✂ 接続が切れました。", in_history=False)
    assert turn.problem() == "✂ 接続が切れました。質問と途中までの応答は履歴から外しました。"
    monkeypatch.setenv("STREAMING_COURSE_LANG", "en")
    english = Turn("Hi", "Hel", "dropped", "✂ Dropped.", in_history=False).problem()
    assert english == "✂ Dropped. The question and its partial reply were left out of the history."
